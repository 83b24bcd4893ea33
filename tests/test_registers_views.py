"""Application register pages: access per persona for every page, the school leader's own
school, filters, the completeness figure, pinned query counts, the detail page's sections and
create/edit/delete through the forms."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from schildwacht.audit.models import AuditEntry
from schildwacht.registers import services
from schildwacht.registers.models import Application
from schildwacht.suppliers.models import Agreement
from tests.personas import Personas, assert_access
from tests.registers_data import SYSTEM, make_application, make_suppliers

READS_BOARD_A = {
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 200,
    "school_leader_a": 200,
    "staff_a": 404,
    "auditor_a": 200,
    "coordinator_b": 404,
    "sector_analyst": 404,
    "sector_curator": 404,
}
# Changing a board-A application: readers who may not change get the reason with 403.
CHANGES_BOARD_A = {
    **READS_BOARD_A,
    "board_member_a": 403,
    "fg_a": 403,
    "school_leader_a": 403,
    "auditor_a": 403,
}
# Pages of the active organisation: board B's coordinator sees their own board's register.
OWN_REGISTER = {**READS_BOARD_A, "coordinator_b": 200}
# Adding to the active organisation's register: the school leader adds for their own school.
ADDS = {**OWN_REGISTER, "board_member_a": 403, "fg_a": 403, "auditor_a": 403}


@pytest.fixture
def board_app(personas: Personas) -> Application:
    suppliers = make_suppliers(personas.tree)
    return make_application(
        personas.tree.board_a,
        name="ParnasSys",
        supplier=suppliers["sector"],
        schools=[personas.tree.school_a1],
        supplier_incident_contact="",
    )


@pytest.fixture
def school_app(personas: Personas) -> Application:
    return make_application(personas.tree.school_a1, name="Eik-app", owner_name="")


def test_pages_of_a_board_application_per_persona(
    personas: Personas, board_app: Application
) -> None:
    assert_access(
        personas, reverse("registers:application_detail", args=[board_app.pk]), READS_BOARD_A
    )
    for name in ("application_edit", "application_delete"):
        assert_access(personas, reverse(f"registers:{name}", args=[board_app.pk]), CHANGES_BOARD_A)
    # A POST that is refused changes nothing, the allowed one last.
    before = AuditEntry.objects.count()
    assert_access(
        personas,
        reverse("registers:application_edit", args=[board_app.pk]),
        {**CHANGES_BOARD_A, "coordinator_a": 302, "privacy_officer_a": 302},
        method="post",
        data={
            "name": "ParnasSys",
            "kind": "sis",
            "hosting": "saas",
            "personal_data": "on",
            "data_categories": ["contact"],
            "sso_supported": "true",
            "mfa_supported": "unknown",
        },
    )
    board_app.refresh_from_db()
    assert board_app.hosting == "saas" and board_app.sso_supported is True
    assert AuditEntry.objects.count() == before + 1  # the second identical save changes nothing


def test_list_export_import_and_templates_per_persona(
    personas: Personas, board_app: Application
) -> None:
    def shows_board_a(name: str, response: Any) -> None:
        if response.status_code == 200:
            assert ("ParnasSys" in response.content.decode()) == name.endswith("_a")

    assert_access(personas, reverse("registers:applications"), OWN_REGISTER, check=shows_board_a)
    # The app's root sends everyone signed in to the list, which then decides.
    assert_access(personas, reverse("registers:index"), dict.fromkeys(OWN_REGISTER, 302))
    assert_access(personas, reverse("registers:application_export"), OWN_REGISTER)
    assert_access(personas, reverse("registers:import_template_xlsx"), OWN_REGISTER)
    assert_access(personas, reverse("registers:import_template_csv"), OWN_REGISTER)
    assert_access(personas, reverse("registers:application_create"), ADDS)
    assert_access(personas, reverse("registers:application_import"), ADDS)


def test_school_leader_edits_only_their_own_school(
    personas: Personas, board_app: Application, school_app: Application
) -> None:
    sibling = make_application(personas.tree.school_a2, name="Linde-app")
    client = personas.client("school_leader_a")
    url = reverse("registers:application_edit", args=[school_app.pk])
    page = client.get(url).content.decode()
    assert 'name="schools"' not in page  # a school's application has no schools
    response = client.post(
        url,
        {
            "name": "Eik-app",
            "kind": "learning_app",
            "hosting": "unknown",
            "owner_name": "Directeur",
            "sso_supported": "unknown",
            "mfa_supported": "unknown",
        },
    )
    assert response.status_code == 302
    school_app.refresh_from_db()
    assert (
        school_app.owner_name == "Directeur"
        and school_app.updated_by == personas["school_leader_a"]
    )
    assert client.get(reverse("registers:application_edit", args=[board_app.pk])).status_code == 403
    assert client.get(reverse("registers:application_detail", args=[sibling.pk])).status_code == 404
    assert (
        client.post(reverse("registers:application_delete", args=[sibling.pk])).status_code == 404
    )
    listed = {a.name for a, _m in client.get(reverse("registers:applications")).context["rows"]}
    assert listed == {"ParnasSys", "Eik-app"}
    # Creating: only their own school is offered.
    form = client.get(reverse("registers:application_create")).context["form"]
    assert list(form.fields["organisation"].queryset) == [personas.tree.school_a1]
    response = client.post(
        reverse("registers:application_create"),
        {
            "organisation": personas.tree.board_a.pk,
            "name": "Stiekem",
            "kind": "sis",
            "hosting": "unknown",
            "sso_supported": "unknown",
            "mfa_supported": "unknown",
        },
    )
    assert response.status_code == 200 and not Application.objects.filter(name="Stiekem").exists()


def test_fg_reads_but_writes_nothing(personas: Personas, board_app: Application) -> None:
    client = personas.client("fg_a")
    before = AuditEntry.objects.count()
    assert (
        "ParnasSys"
        in client.get(reverse("registers:application_detail", args=[board_app.pk])).content.decode()
    )
    assert (
        client.post(reverse("registers:application_delete", args=[board_app.pk])).status_code == 403
    )
    assert (
        client.post(
            reverse("registers:application_create"), {"name": "x", "kind": "sis"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.count() == before and Application.objects.count() == 1


def test_detail_shows_every_section(personas: Personas, board_app: Application) -> None:
    tree = personas.tree
    agreement = Agreement.objects.create(
        organisation=tree.board_a,
        supplier=board_app.supplier,
        title="VWO Leerling BV",
        model="model_4",
        status="signed",
    )
    agreement.applications.add(board_app)
    other = Agreement.objects.create(
        organisation=tree.board_b,
        supplier=board_app.supplier,
        title="Van een ander bestuur",
        model="model_4",
    )
    other.applications.add(board_app)
    services.create_processing_activity(
        SYSTEM,
        tree.board_a,
        name="Leerlingadministratie voeren",
        purposes="Onderwijs",
        applications=[board_app],
    )
    page = (
        personas.client("auditor_a")
        .get(reverse("registers:application_detail", args=[board_app.pk]))
        .content.decode()
    )
    assert "Wat als het misgaat?" in page and "Account blokkeren" in page
    assert "0800-1234" in page and "uit de leveranciersgegevens" in page
    assert "VWO Leerling BV" in page and "Van een ander bestuur" not in page
    assert "Leerlingadministratie voeren" in page and "De Eik" in page
    assert "volledig beschreven" in page and "Bewerken" not in page
    incomplete = make_application(tree.board_a, name="Half", supplier_contact="", availability="")
    page = (
        personas.client("coordinator_a")
        .get(reverse("registers:application_detail", args=[incomplete.pk]))
        .content.decode()
    )
    assert "contactpersoon bij de leverancier" in page and "BIV-classificatie" in page
    assert "Bewerken" in page


def test_list_filters_and_completeness_figure(
    personas: Personas, board_app: Application, school_app: Application
) -> None:
    tree = personas.tree
    make_application(tree.board_a, name="Gynzy", kind="learning_app")
    make_application(tree.school_a2, name="Linde-app")
    client = personas.client("coordinator_a")

    def names(**params: Any) -> set[str]:
        response = client.get(reverse("registers:applications"), params)
        assert response.status_code == 200
        return {a.name for a, _missing in response.context["rows"]}

    assert names() == {"ParnasSys", "Eik-app", "Gynzy", "Linde-app"}
    assert names(soort="learning_app") == {"Gynzy"}
    # De Eik uses its own application and the board's that lists it.
    assert names(school=str(tree.school_a1.pk)) == {"ParnasSys", "Eik-app"}
    assert names(onvolledig="on") == {"Eik-app"}
    assert names(zoek="pARN") == {"ParnasSys"}
    response = client.get(reverse("registers:applications"), {"school": "x", "soort": "<"})
    assert response.status_code == 200 and not response.context["page"]
    page = client.get(reverse("registers:applications")).content.decode()
    assert "75%" in page and "3 van 4 applicaties" in page
    partial = client.get(
        reverse("registers:applications"), {"zoek": "gyn"}, headers={"HX-Request": "true"}
    )
    body = partial.content.decode()
    assert "<html" not in body and "Gynzy" in body and "ParnasSys" not in body


def test_list_query_count_does_not_grow(
    personas: Personas, board_app: Application, django_assert_max_num_queries: Any
) -> None:
    client = personas.client("coordinator_a")
    for n in range(30):
        make_application(
            personas.tree.school_a1 if n % 2 else personas.tree.board_a,
            name=f"App {n}",
            supplier=board_app.supplier,
        )
    # Session, user, device, memberships, reach per grant, the switcher, the school filter,
    # count, page, the figure, may-create and the session save: however many rows.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("registers:applications"))
    assert len(response.context["rows"]) == 25
    with django_assert_max_num_queries(17):
        client.get(
            reverse("registers:applications"),
            {"school": personas.tree.school_a1.pk, "onvolledig": "on"},
        )
    with django_assert_max_num_queries(16):
        response = client.get(reverse("registers:application_export"))
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows())) == 32


def test_create_edit_delete_through_the_pages(personas: Personas) -> None:
    tree = personas.tree
    suppliers = make_suppliers(tree)
    client = personas.client("privacy_officer_a")
    page = client.get(reverse("registers:application_create")).content.decode()
    assert "<legend>Wat als het misgaat?</legend>" in page and "Bèta Hosting" not in page
    assert page.count('name="schools"') == 2  # De Eik and De Linde
    response = client.post(
        reverse("registers:application_create"),
        {
            "organisation": tree.board_a.pk,
            "name": "Microsoft 365",
            "kind": "office_identity",
            "supplier": suppliers["board_a"].pk,
            "schools": [tree.school_a1.pk, tree.school_a2.pk],
            "personal_data": "on",
            "data_categories": ["contact", "account_usage"],
            "staff_data": "on",
            "hosting": "saas",
            "hosting_country": "ie",
            "availability": "high",
            "sso_supported": "true",
            "mfa_supported": "true",
            "people_count": "450",
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{application.pk}/")
    assert application.hosting_country == "IE" and application.people_count == 450
    assert sorted(application.schools.values_list("name", flat=True)) == ["De Eik", "De Linde"]
    # A supplier of another board is not a choice; a bad category names the field.
    response = client.post(
        reverse("registers:application_edit", args=[application.pk]),
        {
            "name": "Microsoft 365",
            "kind": "office_identity",
            "hosting": "saas",
            "supplier": suppliers["board_b"].pk,
            "data_categories": ["zodiac"],
            "sso_supported": "unknown",
            "mfa_supported": "unknown",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_supplier_error"' in page and 'id="id_data_categories_error"' in page
    # Unticking personal data with categories still ticked is refused with the reason.
    response = client.post(
        reverse("registers:application_edit", args=[application.pk]),
        {
            "name": "Microsoft 365",
            "kind": "office_identity",
            "hosting": "saas",
            "data_categories": ["contact"],
            "sso_supported": "unknown",
            "mfa_supported": "unknown",
        },
    )
    assert "zonder persoonsgegevens" in response.content.decode()
    application.refresh_from_db()
    assert application.personal_data is True
    response = client.post(reverse("registers:application_delete", args=[application.pk]))
    assert response.status_code == 302 and not Application.objects.exists()
    assert list(
        AuditEntry.objects.filter(object_type="registers.application")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == ["create", "delete"]


# POSTing a new entry for board A: board B's coordinator and the school leader may not choose
# board A (the form says so, 200, nothing written); the privacy officer comes after the
# coordinator and finds the name taken (200 naming the field).
POSTS_FOR_BOARD_A = {
    **CHANGES_BOARD_A,
    "coordinator_a": 302,
    "privacy_officer_a": 200,
    "school_leader_a": 200,
    "coordinator_b": 200,
}


def test_writes_through_the_pages_per_persona(personas: Personas, board_app: Application) -> None:
    tree = personas.tree
    before = AuditEntry.objects.count()
    assert_access(
        personas,
        reverse("registers:application_create"),
        POSTS_FOR_BOARD_A,
        method="post",
        data={
            "organisation": tree.board_a.pk,
            "name": "Nieuw",
            "kind": "sis",
            "hosting": "unknown",
            "sso_supported": "unknown",
            "mfa_supported": "unknown",
        },
    )
    assert list(
        Application.objects.filter(name="Nieuw").values_list("organisation", flat=True)
    ) == [tree.board_a.pk]
    assert AuditEntry.objects.count() == before + 1
    # Deleting: everyone who may not goes first; then the two who may, each their own entry.
    expected = {**CHANGES_BOARD_A, "coordinator_a": 302, "privacy_officer_a": 302}
    targets = {
        "coordinator_a": board_app,
        "privacy_officer_a": Application.objects.get(name="Nieuw"),
    }
    got = {
        name: personas.client(name)
        .post(reverse("registers:application_delete", args=[board_app.pk]))
        .status_code
        for name in expected
        if name not in targets
    }
    assert Application.objects.count() == 2 and AuditEntry.objects.count() == before + 1
    for name, target in targets.items():
        got[name] = (
            personas.client(name)
            .post(reverse("registers:application_delete", args=[target.pk]))
            .status_code
        )
    assert got == expected and not Application.objects.exists()


def test_import_through_the_page_per_persona(personas: Personas) -> None:
    tree = personas.tree
    expected = {**POSTS_FOR_BOARD_A, "privacy_officer_a": 302}
    got: dict[str, int] = {}
    for name in expected:
        upload = SimpleUploadedFile("r.csv", b"naam;soort\nParnasSys;sis\nGynzy;sis\n")
        response = personas.client(name).post(
            reverse("registers:application_import"),
            {"organisation": tree.board_a.pk, "file": upload},
        )
        got[name] = response.status_code
    # The coordinator adds both; the privacy officer's identical file changes nothing.
    assert got == expected
    assert sorted(Application.objects.values_list("name", "organisation")) == [
        ("Gynzy", tree.board_a.pk),
        ("ParnasSys", tree.board_a.pk),
    ]
