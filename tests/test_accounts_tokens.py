"""API tokens in the account pages: list, create (shown once), revoke."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from schildwacht.accounts.models import ApiToken
from schildwacht.accounts.services import create_api_token
from schildwacht.audit.models import AuditAction, AuditEntry
from tests.personas import PERSONA_ROLES, TEST_ACTOR, Personas, assert_access

TOKENS = "/accounts/tokens/"


def test_tokens_page_for_every_persona(personas: Personas) -> None:
    assert_access(personas, TOKENS, dict.fromkeys(PERSONA_ROLES, 200))


def test_list_shows_only_own_tokens(personas: Personas) -> None:
    create_api_token(TEST_ACTOR, user=personas["coordinator_a"], name="SIEM-koppeling")
    create_api_token(TEST_ACTOR, user=personas["coordinator_b"], name="Ander bestuur")
    content = personas.client("coordinator_a").get(TOKENS).content.decode()
    assert "SIEM-koppeling" in content
    assert "Ander bestuur" not in content


def test_create_token_shows_secret_once(personas: Personas) -> None:
    t = personas.tree
    user = personas["coordinator_a"]
    client = personas.client("coordinator_a")
    response = client.post(
        TOKENS,
        {
            "name": "Rapportage",
            "read_only": "on",
            "organisations": [t.school_a1.pk],
            "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["new_token_secret"]
    assert raw.startswith("sw_")
    assert raw in response.content.decode()
    token = ApiToken.objects.get(user=user, name="Rapportage")
    assert token.read_only
    assert list(token.organisations.all()) == [t.school_a1]
    assert token.expires_at is not None
    assert token.expires_at > timezone.now() + dt.timedelta(days=30)
    # The token works, narrowed as asked.
    api = Client(headers={"authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/me").status_code == 200
    assert api.get(f"/api/v1/organisations/{t.school_a2.pk}").status_code == 404
    # Shown once: the list afterwards holds only the prefix.
    listing = client.get(TOKENS).content.decode()
    assert raw not in listing
    assert token.prefix in listing
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="accounts.apitoken", actor_user=user
    ).exists()


def test_create_token_refuses_organisations_out_of_reach(personas: Personas) -> None:
    client = personas.client("school_leader_a")
    t = personas.tree
    for org in (t.board_b, t.school_a2):
        response = client.post(TOKENS, {"name": "Te breed", "organisations": [org.pk]})
        assert response.status_code == 200
        assert "organisations" in response.context["form"].errors
    assert not ApiToken.objects.filter(name="Te breed").exists()


def test_create_token_bad_input_is_a_form_error(personas: Personas) -> None:
    client = personas.client("staff_a")
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    too_late = (timezone.localdate() + dt.timedelta(days=2 * 365 + 1)).isoformat()
    for data in (
        {},
        {"name": "x" * 10_000},
        {"name": "ok", "expires_on": "morgen"},
        {"name": "ok", "expires_on": yesterday},
        # Far-future dates once overflowed when the end of the day was computed (a 500).
        {"name": "ok", "expires_on": "9999-12-31"},
        {"name": "ok", "expires_on": too_late},
        {"name": "ok", "organisations": ["abc"]},
    ):
        response = client.post(TOKENS, data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert not ApiToken.objects.filter(user=personas["staff_a"]).exists()
    far = client.post(TOKENS, {"name": "ok", "expires_on": "9999-12-31"})
    assert "Kies een datum binnen twee jaar vanaf vandaag." in far.content.decode()


def test_token_may_expire_up_to_two_years_ahead(personas: Personas) -> None:
    last_day = timezone.localdate() + dt.timedelta(days=2 * 365)
    response = personas.client("staff_a").post(
        TOKENS, {"name": "lang", "expires_on": last_day.isoformat()}
    )
    assert response.status_code == 200
    assert response.context["new_token_secret"]
    token = ApiToken.objects.get(user=personas["staff_a"], name="lang")
    assert token.expires_at is not None
    assert timezone.localtime(token.expires_at).date() == last_day + dt.timedelta(days=1)


def test_revoke_own_token_only(personas: Personas) -> None:
    token, raw = create_api_token(TEST_ACTOR, user=personas["coordinator_a"], name="weg")
    url = f"/accounts/tokens/{token.pk}/revoke/"
    assert personas.client("coordinator_a").get(url).status_code == 405
    assert_access(
        personas,
        url,
        {name: 302 if name == "coordinator_a" else 404 for name in PERSONA_ROLES},
        method="post",
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(headers={"authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401
    assert "ingetrokken op" in personas.client("coordinator_a").get(TOKENS).content.decode()


def test_someone_elses_token_is_untouched(personas: Personas) -> None:
    token, _raw = create_api_token(TEST_ACTOR, user=personas["coordinator_a"], name="van A")
    response = personas.client("coordinator_b").post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert personas.client("coordinator_b").post("/accounts/tokens/999999/revoke/").status_code == (
        404
    )


def test_token_list_query_count_is_bounded(
    personas: Personas, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    user = personas["coordinator_a"]
    t = personas.tree
    client = personas.client("coordinator_a")

    def queries_for_list() -> int:
        client.get(TOKENS)  # warm-up: session and per-request caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(TOKENS).status_code == 200
        return len(captured)

    create_api_token(TEST_ACTOR, user=user, name="eerste", organisations=[t.school_a1])
    few = queries_for_list()
    for i in range(15):
        create_api_token(
            TEST_ACTOR, user=user, name=f"token {i}", organisations=[t.school_a1, t.school_a2]
        )
    # No query per token: the organisations come in one prefetch.
    assert queries_for_list() == few
    with django_assert_max_num_queries(25):
        client.get(TOKENS)
