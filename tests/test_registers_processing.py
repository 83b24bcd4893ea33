"""Processing register pages (AVG art. 30): access per persona, create/edit/delete with linked
applications, the printable register and the XLSX export (formula-safe), pinned query counts."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from schildwacht.audit.models import AuditEntry
from schildwacht.registers import services
from schildwacht.registers.models import Application, ProcessingActivity
from tests.personas import Personas, assert_access
from tests.registers_data import SYSTEM, make_application
from tests.test_registers_views import (
    ADDS,
    CHANGES_BOARD_A,
    OWN_REGISTER,
    POSTS_FOR_BOARD_A,
    READS_BOARD_A,
)


@pytest.fixture
def apps(personas: Personas) -> dict[str, Application]:
    tree = personas.tree
    return {
        "board": make_application(tree.board_a, name="ParnasSys"),
        "eik": make_application(tree.school_a1, name="Eik-app"),
        "linde": make_application(tree.school_a2, name="Linde-app"),
    }


@pytest.fixture
def activity(personas: Personas, apps: dict[str, Application]) -> ProcessingActivity:
    return services.create_processing_activity(
        SYSTEM,
        personas.tree.board_a,
        name="Leerlingadministratie",
        controller="Stichting Alfa, Dorpsstraat 1",
        fg_contact="fg@alfa.example",
        purposes="Onderwijs organiseren en bekostiging aanvragen",
        legal_basis="legal_obligation",
        data_subject_categories=["pupils", "parents"],
        data_categories=["contact", "enrolment"],
        special_categories=["health"],
        legal_basis_note="Art. 9 lid 2 onder g: zwaarwegend algemeen belang",
        recipients="DUO, samenwerkingsverband",
        retention="Tot twee jaar na uitschrijving",
        security_measures="MFA, versleuteling, logging",
        applications=[apps["board"], apps["linde"]],
    )


def test_pages_of_a_board_activity_per_persona(
    personas: Personas, activity: ProcessingActivity
) -> None:
    assert_access(personas, reverse("registers:activity_detail", args=[activity.pk]), READS_BOARD_A)
    for name in ("activity_edit", "activity_delete"):
        assert_access(personas, reverse(f"registers:{name}", args=[activity.pk]), CHANGES_BOARD_A)
    # POST: the one persona allowed would remove the activity for all who follow it in the
    # table, so the others go first and the coordinator last (the full table all the same).
    before = AuditEntry.objects.count()
    url = reverse("registers:activity_delete", args=[activity.pk])
    expected = {**CHANGES_BOARD_A, "coordinator_a": 302, "privacy_officer_a": 302}
    order = [n for n in expected if n not in ("coordinator_a", "privacy_officer_a")]
    got = {name: personas.client(name).post(url).status_code for name in order}
    assert ProcessingActivity.objects.exists() and AuditEntry.objects.count() == before
    got["coordinator_a"] = personas.client("coordinator_a").post(url).status_code
    second = services.create_processing_activity(
        SYSTEM, personas.tree.board_a, name="Tweede", purposes="Doel"
    )
    got["privacy_officer_a"] = (
        personas.client("privacy_officer_a")
        .post(reverse("registers:activity_delete", args=[second.pk]))
        .status_code
    )
    assert got == expected
    assert not ProcessingActivity.objects.exists()
    assert AuditEntry.objects.filter(action="delete").count() == 2


def test_list_print_export_and_create_per_persona(
    personas: Personas, activity: ProcessingActivity
) -> None:
    def shows_board_a(name: str, response: Any) -> None:
        if response.status_code == 200:
            assert ("Leerlingadministratie" in response.content.decode()) == name.endswith("_a")

    assert_access(personas, reverse("registers:activities"), OWN_REGISTER, check=shows_board_a)
    assert_access(personas, reverse("registers:activity_print"), OWN_REGISTER, check=shows_board_a)
    assert_access(personas, reverse("registers:activity_export"), OWN_REGISTER)
    assert_access(personas, reverse("registers:activity_create"), ADDS)


def test_detail_and_print_show_every_article_30_field(
    personas: Personas, activity: ProcessingActivity
) -> None:
    client = personas.client("school_leader_a")
    page = client.get(reverse("registers:activity_detail", args=[activity.pk])).content.decode()
    # The school leader reads the board's activity but not the sibling school's application.
    assert "ParnasSys" in page and "Linde-app" not in page and "Bewerken" not in page
    page = personas.client("fg_a").get(reverse("registers:activity_print")).content.decode()
    for text in [
        "Register van verwerkingsactiviteiten",
        "Stichting Alfa (bevoegd gezag 10001)",
        "Stichting Alfa, Dorpsstraat 1",
        "fg@alfa.example",
        "Onderwijs organiseren",
        "Wettelijke verplichting (c)",
        "zwaarwegend algemeen belang",
        "Leerlingen, Ouders en verzorgers",
        "NAW- en contactgegevens, Inschrijving en groep",
        "Gezondheid",
        "DUO, samenwerkingsverband",
        "Tot twee jaar na uitschrijving",
        "MFA, versleuteling, logging",
        "Linde-app, ParnasSys",
        "registers/print.css",
    ]:
        assert text in page, text
    assert "<style" not in page and "<script" not in page and 'style="' not in page


def test_create_edit_through_the_pages(personas: Personas, apps: dict[str, Application]) -> None:
    tree = personas.tree
    client = personas.client("school_leader_a")
    form = client.get(reverse("registers:activity_create")).context["form"]
    assert list(form.fields["organisation"].queryset) == [tree.school_a1]
    assert form.initial["controller"] == "Stichting Alfa"
    response = client.post(
        reverse("registers:activity_create"),
        {
            "organisation": tree.school_a1.pk,
            "name": "Toetsen",
            "purposes": "Voortgang volgen",
            "data_subject_categories": ["pupils"],
            "applications": [apps["board"].pk, apps["eik"].pk],
        },
    )
    activity = ProcessingActivity.objects.get()
    assert response.status_code == 302 and activity.organisation == tree.school_a1
    assert sorted(activity.applications.values_list("name", flat=True)) == ["Eik-app", "ParnasSys"]
    # The sibling's application is no choice; an unknown category names its field.
    response = client.post(
        reverse("registers:activity_edit", args=[activity.pk]),
        {
            "name": "Toetsen",
            "purposes": "Voortgang",
            "applications": [apps["linde"].pk],
            "data_subject_categories": ["aliens"],
            "transfers_outside_eea": "on",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'id="id_applications_error"' in page
    assert 'id="id_data_subject_categories_error"' in page
    response = client.post(
        reverse("registers:activity_edit", args=[activity.pk]),
        {
            "name": "Toetsen",
            "purposes": "Voortgang",
            "transfers_outside_eea": "on",
        },
    )
    assert 'id="id_transfer_countries_error"' in response.content.decode()
    activity.refresh_from_db()
    assert activity.transfers_outside_eea is False


def test_export_is_formula_safe(personas: Personas, activity: ProcessingActivity) -> None:
    services.create_processing_activity(
        SYSTEM,
        personas.tree.school_a1,
        name="=cmd|' /C calc'!A0",
        purposes="+1 doel",
        recipients="@ontvanger",
    )
    response = personas.client("auditor_a").get(reverse("registers:activity_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Naam", "Organisatie", "Verwerkingsverantwoordelijke")
    by_name = {row[0]: row for row in rows[1:]}
    evil = by_name["'=cmd|' /C calc'!A0"]
    assert evil[4] == "'+1 doel" and evil[10] == "'@ontvanger"
    assert by_name["Leerlingadministratie"][16] == "Linde-app, ParnasSys"
    assert by_name["Leerlingadministratie"][11] == "nee"


def test_list_query_count_does_not_grow(
    personas: Personas, apps: dict[str, Application], django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        services.create_processing_activity(
            SYSTEM,
            personas.tree.board_a,
            name=f"Verwerking {n}",
            purposes="Doel",
            applications=[apps["board"], apps["eik"]],
        )
    client = personas.client("coordinator_a")
    with django_assert_max_num_queries(15):
        response = client.get(reverse("registers:activities"))
    assert len(response.context["rows"]) == 25
    assert response.context["rows"][0][0].application_count == 2
    with django_assert_max_num_queries(15):
        response = client.get(reverse("registers:activity_print"))
    assert response.content.decode().count("<article") == 30
    with django_assert_max_num_queries(15):
        client.get(reverse("registers:activity_export"))


def test_create_and_edit_posts_per_persona(
    personas: Personas, apps: dict[str, Application], activity: ProcessingActivity
) -> None:
    tree = personas.tree
    before = AuditEntry.objects.count()
    assert_access(
        personas,
        reverse("registers:activity_create"),
        POSTS_FOR_BOARD_A,
        method="post",
        data={"organisation": tree.board_a.pk, "name": "Toetsen", "purposes": "Volgen"},
    )
    assert list(
        ProcessingActivity.objects.filter(name="Toetsen").values_list("organisation", flat=True)
    ) == [tree.board_a.pk]
    assert AuditEntry.objects.count() == before + 1
    assert_access(
        personas,
        reverse("registers:activity_edit", args=[activity.pk]),
        {**CHANGES_BOARD_A, "coordinator_a": 302, "privacy_officer_a": 302},
        method="post",
        data={
            "name": "Leerlingadministratie",
            "purposes": "Onderwijs geven",
            "legal_basis": "public_task",
        },
    )
    activity.refresh_from_db()
    assert activity.legal_basis == "public_task" and activity.purposes == "Onderwijs geven"
    # The coordinator's save changed it; the privacy officer's identical one changes nothing.
    assert AuditEntry.objects.count() == before + 2
