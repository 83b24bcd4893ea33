"""The audit-trail browser: who may open it, filters, pagination and its query count."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from schildwacht.audit.models import AuditPayload
from schildwacht.audit.services import Actor, Change, erase_expired_payloads, record_changes
from schildwacht.organisations.models import Organisation
from tests.personas import TEST_ACTOR, Personas, assert_access

AUDIT_READERS = {
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 404,
    "fg_a": 404,
    "school_leader_a": 404,
    "staff_a": 404,
    "auditor_a": 200,
    "coordinator_b": 200,
    "sector_analyst": 404,
    "sector_curator": 404,
}


def _record(
    organisation: Organisation,
    count: int,
    *,
    actor: Actor = TEST_ACTOR,
    object_type: str = "tests.thing",
) -> None:
    with transaction.atomic():
        record_changes(
            actor,
            [
                Change(
                    action="update",
                    object_type=object_type,
                    object_id=str(i),
                    object_repr=f"Ding {i}",
                    organisation_id=organisation.pk,
                    changes={"naam": [f"oud {i}", f"nieuw {i}"]},
                )
                for i in range(count)
            ],
        )


def test_access(personas: Personas) -> None:
    assert_access(personas, "/audit/", AUDIT_READERS)


def test_filter_on_another_boards_organisation_is_404(personas: Personas) -> None:
    t = personas.tree
    assert_access(
        personas,
        f"/audit/?organisation={t.board_a.pk}",
        {
            **AUDIT_READERS,
            "coordinator_b": 404,
        },
    )
    client = personas.client("coordinator_a")
    assert client.get(f"/audit/?organisation={t.board_b.pk}").status_code == 404
    assert client.get("/audit/?organisation=abc").status_code == 404
    assert client.get(f"/audit/?organisation={t.sector.pk}").status_code == 404


def test_only_own_boards_entries(personas: Personas) -> None:
    t = personas.tree
    _record(t.board_a, 1, object_type="tests.alfa")
    _record(t.school_b1, 1, object_type="tests.beta")
    html_a = personas.client("coordinator_a").get("/audit/").content.decode()
    html_b = personas.client("coordinator_b").get("/audit/").content.decode()
    assert "Ding 0" in html_a and "tests.beta" not in html_a
    assert "tests.beta" in html_b and "tests.alfa" not in html_b


def test_filters(personas: Personas) -> None:
    t = personas.tree
    _record(t.school_a1, 2, object_type="tests.eik")
    _record(
        t.school_a2, 3, object_type="tests.linde", actor=Actor(label="iemand.anders@example.test")
    )
    client = personas.client("auditor_a")

    def types(query: str) -> set[str]:
        html = client.get(f"/audit/?{query}").content.decode()
        return {
            name
            for name in ("tests.eik", "tests.linde")
            if f'<span class="muted">{name}</span>' in html
        }

    assert types("") == {"tests.eik", "tests.linde"}
    assert types(f"organisation={t.school_a1.pk}") == {"tests.eik"}
    # A board includes its schools.
    assert types(f"organisation={t.board_a.pk}") == {"tests.eik", "tests.linde"}
    assert types("object_type=tests.linde") == {"tests.linde"}
    assert types("actor=ANDERS") == {"tests.linde"}
    assert types("action=delete") == set()
    today = timezone.localdate()
    assert types(f"date_from={today}&date_to={today}") == {"tests.eik", "tests.linde"}
    tomorrow = today + dt.timedelta(days=1)
    assert types(f"date_from={tomorrow}") == set()
    # Bad input is reported, never a 500.
    bad = client.get(f"/audit/?date_from=gisteren&date_to={today}&action=nonsense")
    assert bad.status_code == 200
    assert 'aria-invalid="true"' in bad.content.decode()
    reversed_dates = client.get(f"/audit/?date_from={tomorrow}&date_to={today}")
    assert "De einddatum ligt vóór de begindatum." in reversed_dates.content.decode()


def test_shows_values_time_and_erasure(personas: Personas) -> None:
    t = personas.tree
    _record(t.board_a, 1)
    client = personas.client("board_member_a")
    html = client.get("/audit/?object_type=tests.thing").content.decode()
    assert "oud 0" in html and "nieuw 0" in html and "Ding 0" in html
    assert "gewijzigd" in html  # the action label, not the code
    assert "Stichting Alfa" in html
    # Shown in Amsterdam time: the ISO datetime carries the +01:00/+02:00 offset.
    assert "+01:00" in html or "+02:00" in html
    with transaction.atomic():
        erase_expired_payloads(TEST_ACTOR, timezone.now() + dt.timedelta(seconds=1))
    assert AuditPayload.objects.filter(erased_at__isnull=False).exists()
    html = client.get("/audit/?object_type=tests.thing").content.decode()
    assert "oud 0" not in html and "gewist" in html


def test_pagination_and_query_count(personas: Personas, django_assert_max_num_queries) -> None:
    t = personas.tree
    client = personas.client("coordinator_a")
    _record(t.school_a1, 3)
    with django_assert_max_num_queries(15):
        small = client.get("/audit/")
    _record(t.board_a, 120)
    with django_assert_max_num_queries(15):
        response = client.get("/audit/?object_type=tests.thing")
    html = response.content.decode()
    assert html.count('<time datetime="') == 50
    assert "pagina=2" in html
    assert small.status_code == 200
    last = client.get("/audit/?object_type=tests.thing&pagina=3").content.decode()
    assert last.count('<time datetime="') == 23
    # Nonsense page numbers fall back to a real page.
    assert client.get("/audit/?pagina=abc").status_code == 200
    assert client.get("/audit/?pagina=9999").status_code == 200


def test_htmx_partial(personas: Personas) -> None:
    _record(personas.tree.board_a, 1)
    client = personas.client("auditor_a")
    partial = client.get("/audit/?object_type=tests.thing", headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body and "<form" not in body
    assert "Ding 0" in body
    full = client.get("/audit/").content.decode()
    assert 'id="auditregels"' in full and 'hx-target="#auditregels"' in full


def test_dates_out_of_range_are_field_errors(personas: Personas) -> None:
    """Dates near the ends of the calendar are reported on the field, never an overflow."""
    client = personas.client("auditor_a")
    for query, field in (
        ("date_to=9999-12-31", "id_date_to"),
        ("date_from=0001-01-01", "id_date_from"),
        ("date_from=1999-12-31&date_to=3000-01-01", "id_date_from"),
    ):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(f"/audit/?{query}", headers=headers)
            assert response.status_code == 200, query
            html = response.content.decode()
            assert "Kies een datum tussen 1 januari 2000 en 31 december 2999." in html, query
            if not headers:
                # The error sits on the field and is linked to its input.
                assert f'aria-describedby="{field}_error" id="{field}"' in html, query
                assert f'<ul class="field__errors" id="{field}_error">' in html, query
    page = client.get("/audit/").content.decode()
    assert 'min="2000-01-01"' in page and 'max="2999-12-31"' in page
    # The bounds themselves are valid.
    ok = client.get("/audit/?date_from=2000-01-01&date_to=2999-12-31").content.decode()
    assert "Kies een datum tussen" not in ok


def test_object_types_show_their_model_name(personas: Personas) -> None:
    from django.conf import settings

    t = personas.tree
    _record(t.board_a, 1, object_type="accounts.user")
    _record(t.board_a, 1, object_type="tests.row")
    client = personas.client("coordinator_a")
    html = client.get("/audit/").content.decode()
    assert '<span class="muted">gebruiker</span>' in html
    assert '<span class="muted">tests.row</span>' in html
    assert ">accounts.user<" not in html
    # The filter keeps the code as its value but shows the name.
    assert '<option value="accounts.user">gebruiker</option>' in html
    filtered = client.get("/audit/?object_type=accounts.user").content.decode()
    assert '<span class="muted">gebruiker</span>' in filtered
    assert '<span class="muted">tests.row</span>' not in filtered
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/audit/").content.decode()
    assert '<span class="muted">user</span>' in english
    assert ">accounts.user<" not in english


def test_changed_fields_show_their_names(personas: Personas) -> None:
    from schildwacht.organisations.services import update_organisation
    from tests.personas import TEST_ACTOR

    update_organisation(TEST_ACTOR, personas.tree.board_a, bevoegd_gezag_number="10009")
    body = personas.client("coordinator_a").get("/audit/").content.decode()
    assert "bevoegd-gezagnummer" in body
    assert "bevoegd_gezag_number" not in body
