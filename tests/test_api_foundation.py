"""/api/v1/me, /api/v1/organisations and the token rules of CONTRACT.md."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from schildwacht.accounts.models import ApiToken
from schildwacht.accounts.services import create_api_token, revoke_api_token
from tests.personas import PERSONA_ROLES, TEST_ACTOR, Personas, assert_access


def test_me_lists_memberships(personas: Personas) -> None:
    body = personas.api("school_leader_a").get("/api/v1/me").json()
    assert body["email"] == "school_leader_a@example.test"
    assert body["memberships"] == [
        {
            "organisation": personas.tree.school_a1.pk,
            "name": "De Eik",
            "kind": "school",
            "role": "school_leader",
            "role_label": "Schoolleider",
        }
    ]
    assert body["token"]["read_only"] is False


def test_organisations_per_persona(personas: Personas) -> None:
    t = personas.tree
    expect = {
        "coordinator_a": {t.board_a.pk, t.school_a1.pk, t.school_a2.pk},
        "auditor_a": {t.board_a.pk, t.school_a1.pk, t.school_a2.pk},
        "fg_a": {t.board_a.pk, t.school_a1.pk, t.school_a2.pk},
        # A school role reads its board's own items, never a sibling school.
        "school_leader_a": {t.board_a.pk, t.school_a1.pk},
        "staff_a": {t.school_a1.pk},
        "coordinator_b": {t.board_b.pk, t.school_b1.pk},
        "sector_analyst": {t.sector.pk},
        "sector_curator": {t.sector.pk},
    }
    for name, ids in expect.items():
        body = personas.api(name).get("/api/v1/organisations").json()
        assert {o["id"] for o in body["items"]} == ids, name
        assert body["count"] == len(ids)
    item = next(
        o
        for o in personas.api("coordinator_a").get("/api/v1/organisations").json()["items"]
        if o["id"] == t.school_a1.pk
    )
    assert item == {
        "id": t.school_a1.pk,
        "name": "De Eik",
        "kind": "school",
        "parent": t.board_a.pk,
        "bevoegd_gezag_number": "",
        "brin": "11AA",
        "vestiging": "00",
    }


def test_organisation_detail_is_404_outside_reach(personas: Personas) -> None:
    t = personas.tree
    assert_access(
        personas,
        f"/api/v1/organisations/{t.board_a.pk}",
        api=True,
        expected={
            "coordinator_a": 200,
            "board_member_a": 200,
            "privacy_officer_a": 200,
            "fg_a": 200,
            # Staff see their own school only: they report incidents, they do not browse the board.
            "school_leader_a": 200,
            "staff_a": 404,
            "auditor_a": 200,
            "coordinator_b": 404,
            "sector_analyst": 404,
            "sector_curator": 404,
        },
    )
    assert_access(
        personas,
        f"/api/v1/organisations/{t.school_a2.pk}",
        api=True,
        expected={
            "coordinator_a": 200,
            "board_member_a": 200,
            "privacy_officer_a": 200,
            "fg_a": 200,
            "school_leader_a": 404,
            "staff_a": 404,
            "auditor_a": 200,
            "coordinator_b": 404,
            "sector_analyst": 404,
            "sector_curator": 404,
        },
    )


def test_me_and_organisations_answer_every_persona(personas: Personas) -> None:
    everyone = dict.fromkeys(PERSONA_ROLES, 200)
    assert_access(personas, "/api/v1/me", everyone, api=True)
    assert_access(personas, "/api/v1/organisations", everyone, api=True)
    anonymous = Client()
    assert anonymous.get("/api/v1/me").status_code == 401
    assert anonymous.get("/api/v1/organisations").status_code == 401


def test_api_docs_are_public_but_hold_no_data(personas: Personas) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
    assert personas.tree.board_a.name.encode() not in response.content


def test_read_only_token_and_narrowed_token_cannot_write_upwards(personas: Personas) -> None:
    from schildwacht.organisations.scoping import organisation_ids, sector_ids

    t = personas.tree
    user = personas["coordinator_a"]
    token, _raw = create_api_token(
        TEST_ACTOR, user=user, name="school", organisations=[t.school_a1]
    )
    user.api_token = token
    # Reading the board's own items is allowed, as for the user; writing stays on the school.
    assert organisation_ids(user, "view") == {t.school_a1.pk, t.board_a.pk}
    assert organisation_ids(user, "change") == {t.school_a1.pk}
    assert organisation_ids(user, "manage", "members") == {t.school_a1.pk}
    curator = personas["sector_curator"]
    token, _raw = create_api_token(
        TEST_ACTOR, user=curator, name="nergens", organisations=[t.board_a]
    )
    curator.api_token = token
    assert sector_ids(curator, "manage", "catalogues") == set()


def test_token_narrowed_to_a_school(personas: Personas) -> None:
    t = personas.tree
    client = personas.api("coordinator_a", organisations=(t.school_a2,))
    ids = {o["id"] for o in client.get("/api/v1/organisations").json()["items"]}
    assert ids == {t.school_a2.pk, t.board_a.pk}
    assert client.get(f"/api/v1/organisations/{t.school_a1.pk}").status_code == 404


def test_bad_tokens_answer_401_with_reason(personas: Personas) -> None:
    user = personas["coordinator_a"]
    assert Client().get("/api/v1/me").status_code == 401
    bad = Client(headers={"authorization": "Bearer sw_nonsense"}).get("/api/v1/me")
    assert bad.status_code == 401
    assert "detail" in bad.json()
    token, raw = create_api_token(
        TEST_ACTOR, user=user, name="kort", expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    expired = Client(headers={"authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert expired.status_code == 401
    assert "verlopen" in expired.json()["detail"]
    token, raw = create_api_token(TEST_ACTOR, user=user, name="weg")
    revoke_api_token(TEST_ACTOR, token)
    assert Client(headers={"authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401


def test_token_is_stored_hashed(personas: Personas) -> None:
    _token, raw = create_api_token(TEST_ACTOR, user=personas["coordinator_a"], name="x")
    stored = ApiToken.objects.get(name="x")
    assert raw not in {stored.token_hash, stored.prefix}
    assert stored.prefix == raw[:8]


def test_foreign_and_malformed_ids(personas: Personas) -> None:
    client = personas.api("coordinator_a")
    assert client.get("/api/v1/organisations/999999").status_code == 404
    response = client.get("/api/v1/organisations/abc")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "org_id"


def test_openapi_document(personas: Personas) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/me" in paths and "/api/v1/organisations" in paths
