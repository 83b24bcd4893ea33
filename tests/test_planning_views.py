"""Plan pages: access per persona, the list's filters and pinned query count, the board with
keyboard-usable status forms (htmx partial), create/edit/delete, XLSX export, voortgang and
the basismaatregelen overview."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from schildwacht.assessments import services as assessment_services
from schildwacht.assessments.models import Assessment, NormScore
from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.frameworks.models import Framework
from schildwacht.frameworks.services import load_catalogues
from schildwacht.planning import services
from schildwacht.planning.models import Measure
from tests.personas import Personas, assert_access

SYSTEM = Actor.system("tests")

READS_BOARD_A = {
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 404,
    "school_leader_a": 200,
    "staff_a": 404,
    "auditor_a": 200,
    "coordinator_b": 404,
    "sector_analyst": 404,
    "sector_curator": 404,
}
# Changing a board-A measure: readers who may not change get the reason with 403.
CHANGES_BOARD_A = {
    **READS_BOARD_A,
    "board_member_a": 403,
    "privacy_officer_a": 403,
    "school_leader_a": 403,
    "auditor_a": 403,
}
# Pages of the active organisation: board B's coordinator sees their own board's plan.
OWN_PLAN = {**READS_BOARD_A, "coordinator_b": 200}


@pytest.fixture
def catalogue(personas: Personas) -> None:
    load_catalogues(SYSTEM)


@pytest.fixture
def board_measure(personas: Personas, catalogue: None) -> Measure:
    return services.create_measure(
        SYSTEM,
        personas.tree.board_a,
        title="MFA voor beheerders",
        due_date=dt.date(2020, 1, 1),
        norm_ids=["ID.02"],
        basismaatregelen=[9],
        groeipad_code="2.4",
    )


@pytest.fixture
def school_measure(personas: Personas, catalogue: None) -> Measure:
    return services.create_measure(SYSTEM, personas.tree.school_a1, title="Back-up De Eik")


def test_pages_of_a_board_measure_per_persona(personas: Personas, board_measure: Measure) -> None:
    board = personas.tree.board_a.pk
    for url in [
        reverse("planning:detail", args=[board_measure.pk]),
        reverse("planning:progress", args=[board]),
        reverse("planning:basismaatregelen", args=[board]),
    ]:
        assert_access(personas, url, READS_BOARD_A)
    for url in [
        reverse("planning:edit", args=[board_measure.pk]),
        reverse("planning:delete", args=[board_measure.pk]),
    ]:
        assert_access(personas, url, CHANGES_BOARD_A)
    assert_access(
        personas,
        reverse("planning:status", args=[board_measure.pk]),
        {**CHANGES_BOARD_A, "coordinator_a": 302},
        method="post",
        data={"status": "in_progress"},
    )


def test_list_board_export_and_create_per_persona(
    personas: Personas, board_measure: Measure
) -> None:
    def shows_board_a(name: str, response: Any) -> None:
        if response.status_code == 200:
            assert ("MFA voor beheerders" in response.content.decode()) == name.endswith("_a")

    assert_access(personas, reverse("planning:list"), OWN_PLAN, check=shows_board_a)
    assert_access(personas, reverse("planning:board"), OWN_PLAN, check=shows_board_a)
    assert_access(personas, reverse("planning:export"), OWN_PLAN)
    assert_access(
        personas,
        reverse("planning:create"),
        {
            **OWN_PLAN,
            "board_member_a": 403,
            "privacy_officer_a": 403,
            "auditor_a": 403,
        },
    )


def test_school_leader_edits_only_their_own_school(
    personas: Personas, school_measure: Measure, board_measure: Measure
) -> None:
    sibling = services.create_measure(SYSTEM, personas.tree.school_a2, title="De Linde")
    client = personas.client("school_leader_a")
    url = reverse("planning:edit", args=[school_measure.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Back-up en hersteltest", "status": "in_progress"})
    assert response.status_code == 302
    school_measure.refresh_from_db()
    assert school_measure.title == "Back-up en hersteltest"
    assert school_measure.updated_by == personas["school_leader_a"]
    assert client.get(reverse("planning:edit", args=[board_measure.pk])).status_code == 403
    assert client.get(reverse("planning:detail", args=[sibling.pk])).status_code == 404
    response = client.post(reverse("planning:status", args=[sibling.pk]), {"status": "done"})
    assert response.status_code == 404
    sibling.refresh_from_db()
    assert sibling.status == "open"


def test_auditor_changes_nothing(
    personas: Personas, board_measure: Measure, school_measure: Measure
) -> None:
    client = personas.client("auditor_a")
    before = AuditEntry.objects.count()
    for measure in (board_measure, school_measure):
        assert (
            client.post(
                reverse("planning:status", args=[measure.pk]), {"status": "done"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse("planning:edit", args=[measure.pk]), {"title": "x", "status": "open"}
            ).status_code
            == 403
        )
        assert client.post(reverse("planning:delete", args=[measure.pk])).status_code == 403
    assert (
        client.post(
            reverse("planning:create"), {"organisation": personas.tree.board_a.pk, "title": "x"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.count() == before
    assert set(Measure.objects.values_list("status", flat=True)) == {"open"}


def test_create_edit_and_delete_through_the_pages(personas: Personas, catalogue: None) -> None:
    client = personas.client("coordinator_a")
    tree = personas.tree
    page = client.get(reverse("planning:create")).content.decode()
    assert 'name="norm_ids"' in page and '<optgroup label="2. Basis op orde">' in page
    response = client.post(
        reverse("planning:create"),
        {
            "organisation": tree.school_a1.pk,
            "title": "Hersteltest",
            "owner": personas["school_leader_a"].pk,
            "due_date": "2026-09-01",
            "status": "open",
            "effort": "L",
            "cost": "250.00",
            "norm_ids": ["GO.01"],
            "basismaatregelen": ["7"],
            "groeipad_code": "2.1",
        },
    )
    measure = Measure.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{measure.pk}/")
    assert measure.organisation == tree.school_a1 and measure.owner == personas["school_leader_a"]
    assert measure.norm_ids == ["GO.01"] and measure.basismaatregelen == [7]
    # An owner outside the organisation is refused with the field named.
    response = client.post(
        reverse("planning:edit", args=[measure.pk]),
        {"title": "Hersteltest", "status": "open", "owner": personas["coordinator_b"].pk},
    )
    assert response.status_code == 200
    assert 'id="id_owner_error"' in response.content.decode()
    # A board outside reach is not a choice when creating.
    response = client.post(
        reverse("planning:create"),
        {"organisation": tree.board_b.pk, "title": "x", "status": "open"},
    )
    assert response.status_code == 200 and Measure.objects.count() == 1
    detail = client.get(reverse("planning:detail", args=[measure.pk])).content.decode()
    assert "Hersteltest" in detail and "€ 250,00" in detail
    response = client.post(reverse("planning:delete", args=[measure.pk]))
    assert response.status_code == 302 and not Measure.objects.exists()


def test_board_status_form_is_keyboard_usable_and_htmx_returns_the_board(
    personas: Personas, board_measure: Measure
) -> None:
    client = personas.client("coordinator_a")
    page = client.get(reverse("planning:board")).content.decode()
    assert f'<label for="status-{board_measure.pk}">' in page
    assert f'<select name="status" id="status-{board_measure.pk}">' in page
    assert "Verplaatsen" in page and "hx-on" not in page and "<script>" not in page
    # The auditor reads the board without any status form.
    auditor_page = personas.client("auditor_a").get(reverse("planning:board")).content.decode()
    assert "MFA voor beheerders" in auditor_page and 'name="status"' not in auditor_page
    response = client.post(
        reverse("planning:status", args=[board_measure.pk]),
        {"status": "in_progress"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="planbord">')
    assert "<html" not in body and "staat nu op Bezig" in body
    board_measure.refresh_from_db()
    assert board_measure.status == "in_progress"
    response = client.post(reverse("planning:status", args=[board_measure.pk]), {"status": "x"})
    assert response.status_code == 403


def test_list_filters(personas: Personas, board_measure: Measure, school_measure: Measure) -> None:
    services.create_measure(
        SYSTEM, personas.tree.board_a, title="Klaar", status="done", due_date=dt.date(2020, 1, 1)
    )
    client = personas.client("coordinator_a")

    def titles(**params: Any) -> set[str]:
        response = client.get(reverse("planning:list"), params)
        assert response.status_code == 200
        return {m.title for m in response.context["page"].object_list}

    assert titles() == {"MFA voor beheerders", "Back-up De Eik", "Klaar"}
    assert titles(status="done") == {"Klaar"}
    assert titles(norm="ID.02") == {"MFA voor beheerders"}
    assert titles(basismaatregel="9") == {"MFA voor beheerders"}
    assert titles(fase="2") == {"MFA voor beheerders"}
    assert titles(over_deadline="on") == {"MFA voor beheerders"}
    # A bad filter value is a message on the page, never a 500.
    response = client.get(reverse("planning:list"), {"basismaatregel": "x", "fase": "<"})
    assert response.status_code == 200 and not response.context["page"]
    partial = client.get(
        reverse("planning:list"), {"status": "done"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.content.decode() and "Klaar" in partial.content.decode()


def test_list_query_count_does_not_grow(
    personas: Personas, catalogue: None, django_assert_max_num_queries: Any
) -> None:
    client = personas.client("coordinator_a")
    for n in range(30):
        services.create_measure(
            SYSTEM,
            personas.tree.school_a1 if n % 2 else personas.tree.board_a,
            title=f"Maatregel {n}",
            status=["open", "in_progress", "done", "cancelled"][n % 4],
            owner=personas["coordinator_a"],
            norm_ids=["GO.01", "GO.02"],
            basismaatregelen=[1, 2],
        )
    # Session, user, device, memberships, menus, the filter's choices, count, page, 2 prefetches.
    with django_assert_max_num_queries(22):
        response = client.get(reverse("planning:list"))
    assert len(response.context["page"].object_list) == 25
    # The board: per status column its cards and their two prefetches, however many cards.
    with django_assert_max_num_queries(25):
        client.get(reverse("planning:board"))


def test_xlsx_export_of_the_filtered_list(personas: Personas, board_measure: Measure) -> None:
    services.create_measure(
        SYSTEM,
        personas.tree.board_a,
        title='=HYPERLINK("http://evil.example","klik")',
        owner_name="-leverancier",
        cost="1234.50",
        due_date=dt.date(2020, 2, 1),
    )
    services.create_measure(SYSTEM, personas.tree.board_a, title="Op tijd")
    client = personas.client("auditor_a")
    response = client.get(reverse("planning:export"), {"over_deadline": "on"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Titel", "Organisatie", "Status")
    by_title = {row[0]: row for row in rows[1:]}
    assert set(by_title) == {"MFA voor beheerders", '\'=HYPERLINK("http://evil.example","klik")'}
    evil = by_title['\'=HYPERLINK("http://evil.example","klik")']
    assert evil[3] == "'-leverancier" and evil[5] == "ja" and evil[7] == 1234.5
    assert by_title["MFA voor beheerders"][8] == "ID.02"
    # Board B's export holds nothing of board A.
    other = personas.client("coordinator_b").get(reverse("planning:export"))
    assert len(list(load_workbook(io.BytesIO(other.content)).active.iter_rows())) == 1


def test_progress_and_basismaatregelen_pages(personas: Personas, board_measure: Measure) -> None:
    client = personas.client("board_member_a")
    board = personas.tree.board_a.pk
    page = client.get(reverse("planning:progress", args=[board])).content.decode()
    assert "Streefdatum: 31 december 2027" in page
    assert "niet te voorspellen" in page and "Risico: niet op koers" in page
    page = client.get(reverse("planning:basismaatregelen", args=[board])).content.decode()
    assert "Meerfactorauthenticatie" in page or "9." in page
    # Built modules give their figure (nothing registered yet); the others are announced.
    assert "(0 van 0 applicaties met eigenaar, contact leverancier" in page
    assert "komt uit module Toegang" in page
    assert page.count("<tr>") == 12


def test_progress_page_names_the_projected_date(personas: Personas, catalogue: None) -> None:
    framework = Framework.objects.get(slug="normenkader-ibp-fo")
    board = personas.tree.board_a
    for day, level in [(dt.date(2025, 1, 1), 1), (dt.date(2025, 7, 1), 2)]:
        meting = assessment_services.create_assessment(SYSTEM, board, framework, str(day))
        NormScore.objects.filter(assessment=meting).update(level=level)
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        Assessment.objects.filter(pk=meting.pk).update(created_at=moment)
    page = personas.client("auditor_a").get(reverse("planning:progress", args=[board.pk]))
    text = page.content.decode()
    assert "In dit tempo bereikt u niveau 3 op 29 december 2025." in text
    assert "Huidig gemiddeld niveau: 2" in text and "Op koers" in text
