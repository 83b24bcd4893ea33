"""Supplier pages: access per persona for every page, the lists' filters and pinned query
counts, forms with errors at the field, the document download, htmx review items and the
XLSX export."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from schildwacht.audit.models import AuditEntry
from schildwacht.suppliers import review_services, services
from schildwacht.suppliers.checklist import checklist_codes
from schildwacht.suppliers.models import Agreement, Review, Supplier, SupplierDetail
from tests.personas import Personas, assert_access
from tests.test_suppliers_world import SYSTEM, World, application, media_fixture, world_fixture  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

NONE = dict.fromkeys(
    [
        "coordinator_a",
        "board_member_a",
        "privacy_officer_a",
        "fg_a",
        "school_leader_a",
        "staff_a",
        "auditor_a",
        "coordinator_b",
        "sector_analyst",
        "sector_curator",
    ],
    404,
)
# Everyone who reads privacy items of a board in the sector, and the curator: the catalogue.
CATALOGUE = {
    **NONE,
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 200,
    "school_leader_a": 200,
    "auditor_a": 200,
    "coordinator_b": 200,
    "sector_curator": 200,
}
# Changing the shared catalogue: the curator; board readers are refused with the reason.
CHANGES_SHARED = {
    **{name: 403 if status == 200 else status for name, status in CATALOGUE.items()},
    "sector_curator": 200,
}
# Board A's privacy items (its agreements, reviews, own suppliers).
READS_A = {
    **NONE,
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 200,
    "school_leader_a": 200,
    "auditor_a": 200,
}
CHANGES_A = {
    **READS_A,
    "board_member_a": 403,
    "fg_a": 403,
    "school_leader_a": 403,
    "auditor_a": 403,
}
# Pages of the active organisation: board B's coordinator sees their own board's.
OWN_BOARD = {**READS_A, "coordinator_b": 200}


def test_catalogue_pages_per_persona(personas: Personas, world: World) -> None:
    def shows_own_a(name: str, response: Any) -> None:
        if response.status_code == 200:
            content = response.content.decode()
            assert "Leerling BV" in content
            assert ("Lokale ICT" in content) == (name.endswith("_a") and name != "staff_a")

    assert_access(personas, reverse("suppliers:list"), CATALOGUE, check=shows_own_a)
    assert_access(personas, reverse("suppliers:detail", args=[world.shared.pk]), CATALOGUE)
    assert_access(personas, reverse("suppliers:detail", args=[world.own_a.pk]), READS_A)
    for url in (
        reverse("suppliers:edit", args=[world.shared.pk]),
        reverse("suppliers:delete", args=[world.shared.pk]),
    ):
        assert_access(personas, url, CHANGES_SHARED)
    for url in (
        reverse("suppliers:edit", args=[world.own_a.pk]),
        reverse("suppliers:delete", args=[world.own_a.pk]),
    ):
        assert_access(personas, url, CHANGES_A)
    assert_access(
        personas,
        reverse("suppliers:create"),
        {**CHANGES_A, "coordinator_b": 200, "sector_curator": 200},
    )
    assert_access(
        personas,
        reverse("suppliers:own_detail", args=[world.shared.pk]),
        {**CHANGES_A, "coordinator_b": 200},
    )
    assert_access(personas, reverse("suppliers:own_detail", args=[world.own_a.pk]), CHANGES_A)
    assert_access(
        personas,
        reverse("suppliers:central_review_start", args=[world.shared.pk]),
        {**CHANGES_SHARED, "sector_curator": 302},
        method="post",
    )


def test_curator_sees_no_board_data_on_the_supplier_page(personas: Personas, world: World) -> None:
    services.save_supplier_detail(
        SYSTEM, world.shared, personas.tree.board_a, customer_number="KLANT-A-1"
    )
    url = reverse("suppliers:detail", args=[world.shared.pk])
    content = personas.client("sector_curator").get(url).content.decode()
    assert "KLANT-A-1" not in content and "VWO Leerling BV" not in content
    assert "Nieuwe centrale beoordeling" in content
    board_a = personas.client("privacy_officer_a").get(url).content.decode()
    assert "KLANT-A-1" in board_a and "VWO Leerling BV" in board_a
    assert "VWO Leesapp" in board_a  # the school's agreement with the same supplier
    assert "Nieuwe centrale beoordeling" not in board_a
    board_b = personas.client("coordinator_b").get(url).content.decode()
    assert "KLANT-A-1" not in board_b and "VWO Leerling BV" not in board_b


def test_supplier_list_filters_and_query_count(
    personas: Personas, world: World, django_assert_max_num_queries: Any
) -> None:
    for number in range(30):
        services.create_supplier(
            SYSTEM,
            personas.tree.sector,
            name=f"Leverancier {number:02d}",
            convenant_status="supporter" if number % 2 else "none",
        )
    client = personas.client("fg_a")
    url = reverse("suppliers:list")
    client.get(url)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 32
    response = client.get(url, {"convenant": "supporter"})
    assert response.context["page"].paginator.count == 15
    response = client.get(url, {"zoek": "12345678"})
    assert [s.name for s in response.context["page"].object_list] == ["Leerling BV"]
    response = client.get(url, {"convenant": "onbekend"})
    assert "Een filter is ongeldig" in response.content.decode()
    response = client.get(url, {"zoek": "leverancier 0"}, headers={"HX-Request": "true"})
    assert response.templates[0].name == "suppliers/_suppliers.html"
    assert response.context["page"].paginator.count == 10


def test_supplier_forms(personas: Personas, world: World) -> None:
    client = personas.client("sector_curator")
    response = client.post(
        reverse("suppliers:create"),
        {
            "organisation": personas.tree.sector.pk,
            "name": "Toetsbureau",
            "kvk_number": "123",
            "convenant_status": "participant",
        },
    )
    assert response.status_code == 200
    assert "8 cijfers" in response.content.decode()
    assert not Supplier.objects.filter(name="Toetsbureau").exists()
    response = client.post(
        reverse("suppliers:create"),
        {
            "organisation": personas.tree.sector.pk,
            "name": "Toetsbureau",
            "kvk_number": "87654321",
            "convenant_status": "participant",
            "certifications": "ISO 27001\nNEN 7510",
            "website": "https://toets.example",
        },
    )
    supplier = Supplier.objects.get(name="Toetsbureau")
    assert response.status_code == 302 and supplier.organisation == personas.tree.sector
    assert supplier.certifications == ["ISO 27001", "NEN 7510"]
    # Board A's officer cannot put a supplier in the sector catalogue through the form.
    response = personas.client("privacy_officer_a").post(
        reverse("suppliers:create"),
        {"organisation": personas.tree.sector.pk, "name": "Sluiproute", "convenant_status": "none"},
    )
    assert response.status_code == 200 and not Supplier.objects.filter(name="Sluiproute").exists()
    # Deleting a supplier in use says why, and keeps it.
    response = client.post(reverse("suppliers:delete", args=[world.shared.pk]))
    assert response.status_code == 400 and Supplier.objects.filter(pk=world.shared.pk).exists()
    response = client.post(reverse("suppliers:delete", args=[supplier.pk]))
    assert response.status_code == 302 and not Supplier.objects.filter(pk=supplier.pk).exists()
    # The board's own data.
    response = personas.client("privacy_officer_a").post(
        reverse("suppliers:own_detail", args=[world.shared.pk]),
        {"contact_name": "Piet", "contact_email": "piet@leerling.example", "customer_number": "9"},
    )
    assert response.status_code == 302
    detail = SupplierDetail.objects.get(supplier=world.shared)
    assert detail.organisation == personas.tree.board_a and detail.contact_name == "Piet"


# Agreements ----------------------------------------------------------------------------------


def test_agreement_pages_per_persona(personas: Personas, world: World, media: Path) -> None:
    services.update_agreement(
        SYSTEM,
        world.board_agreement,
        document=SimpleUploadedFile("vwo.pdf", PDF, content_type="application/pdf"),
    )
    board = world.board_agreement.pk

    def shows_a(name: str, response: Any) -> None:
        if response.status_code == 200:
            content = response.content.decode()
            assert ("VWO Leerling BV" in content) == (name != "coordinator_b")
            assert ("VWO Leesapp" in content) == (
                name
                in {
                    "coordinator_a",
                    "board_member_a",
                    "privacy_officer_a",
                    "fg_a",
                    "auditor_a",
                }
            )

    assert_access(personas, reverse("suppliers:agreements"), OWN_BOARD, check=shows_a)
    assert_access(personas, reverse("suppliers:agreements_export"), OWN_BOARD)
    assert_access(
        personas,
        reverse("suppliers:agreement_create"),
        {**CHANGES_A, "school_leader_a": 200, "coordinator_b": 200},
    )
    for url in (
        reverse("suppliers:agreement_detail", args=[board]),
        reverse("suppliers:agreement_document", args=[board]),
    ):
        assert_access(personas, url, READS_A)
    for url in (
        reverse("suppliers:agreement_edit", args=[board]),
        reverse("suppliers:agreement_delete", args=[board]),
    ):
        assert_access(personas, url, CHANGES_A)
    assert_access(
        personas,
        reverse("suppliers:agreement_edit", args=[world.school_agreement.pk]),
        {**CHANGES_A, "school_leader_a": 200},
    )
    assert_access(
        personas,
        reverse("suppliers:agreement_detail", args=[world.sibling_agreement.pk]),
        {**READS_A, "school_leader_a": 404},
    )
    assert_access(
        personas,
        reverse("suppliers:review_start", args=[board]),
        {**CHANGES_A, "coordinator_a": 302, "privacy_officer_a": 302},
        method="post",
    )
    assert Review.objects.filter(agreement_id=board).count() == 1
    assert_access(
        personas,
        reverse("suppliers:agreement_document_remove", args=[board]),
        {**CHANGES_A, "coordinator_a": 302, "privacy_officer_a": 302},
        method="post",
    )
    assert not Agreement.objects.get(pk=board).document


def test_agreement_list_filters_coverage_and_query_count(
    personas: Personas, world: World, django_assert_max_num_queries: Any
) -> None:
    tree = personas.tree
    today = timezone.localdate()
    for number in range(30):
        app = application(tree.school_a1 if number % 2 else tree.board_a, f"App {number:02d}")
        services.create_agreement(
            SYSTEM,
            app.organisation,
            supplier=world.shared,
            title=f"Overeenkomst {number:02d}",
            model="education",
            status="signed",
            signed_on=dt.date(2024, 1, 1),
            expires_on=today + dt.timedelta(days=20 if number < 5 else 400),
            applications=[app],
        )
    client = personas.client("privacy_officer_a")
    url = reverse("suppliers:agreements")
    client.get(url)
    with django_assert_max_num_queries(19):
        response = client.get(url)
    content = response.content.decode()
    assert response.context["page"].paginator.count == 33
    # Personal data: ParnasSys, Rekenapp, Leesapp and the 30 apps; uncovered: Rekenapp (draft).
    assert response.context["coverage"].covered == 32
    assert response.context["coverage"].total == 33
    assert [a.name for a in response.context["uncovered"]] == ["Rekenapp"]
    assert "32 van de 33 applicaties" in content
    response = client.get(url, {"verloopt_binnenkort": "on"})
    assert response.context["page"].paginator.count == 5
    response = client.get(url, {"status": "draft"})
    assert [a.title for a, _v, _e in response.context["page"].object_list] == ["VWO Rekenapp"]
    response = client.get(url, {"leverancier": world.own_a.pk}, headers={"HX-Request": "true"})
    assert response.templates[0].name == "suppliers/_agreements.html"
    assert response.context["page"].paginator.count == 1
    response = client.get(url, {"leverancier": world.own_b.pk})
    assert "Een filter is ongeldig" in response.content.decode()


def test_agreement_form_create_and_errors(personas: Personas, world: World, media: Path) -> None:
    client = personas.client("school_leader_a")
    url = reverse("suppliers:agreement_create")
    response = client.get(url)
    organisations = list(response.context["form"].fields["organisation"].queryset)
    assert organisations == [personas.tree.school_a1]
    data = {
        "organisation": personas.tree.school_a1.pk,
        "supplier": world.shared.pk,
        "title": "Nieuwe VWO",
        "model": "model_4",
        "status": "signed",
        "expires_on": "2030-01-01",
        "applications": [world.leesapp.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"applications"}  # a sibling school's
    data["applications"] = [world.rekenapp.pk]
    response = client.post(url, data)
    assert set(response.context["form"].errors) == {"signed_on"}
    assert "datum van ondertekening" in response.content.decode()
    assert not Agreement.objects.filter(title="Nieuwe VWO").exists()
    data.update(
        signed_on="2025-01-01",
        breach_notification_hours="36",
        document=SimpleUploadedFile("vwo.txt", b"\x00\x01binary", content_type="text/plain"),
    )
    response = client.post(url, data)
    assert "document" in response.context["form"].errors
    data["document"] = SimpleUploadedFile("vwo.pdf", PDF, content_type="application/pdf")
    response = client.post(url, data)
    agreement = Agreement.objects.get(title="Nieuwe VWO")
    assert response.status_code == 302
    assert agreement.organisation == personas.tree.school_a1
    assert agreement.breach_notification_hours == 36 and agreement.document_name == "vwo.pdf"
    assert list(agreement.applications.all()) == [world.rekenapp]
    download = client.get(reverse("suppliers:agreement_document", args=[agreement.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert 'filename="vwo.pdf"' in download["Content-Disposition"]
    entry = AuditEntry.objects.get(object_type="suppliers.agreement", object_id=str(agreement.pk))
    assert entry.actor_user_id == personas["school_leader_a"].pk


def test_agreement_export_is_formula_safe(personas: Personas, world: World) -> None:
    services.update_agreement(SYSTEM, world.board_agreement, title='=HYPERLINK("x")')
    response = personas.client("auditor_a").get(reverse("suppliers:agreements_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Titel" and len(rows) == 4  # header + board, A1 and A2 agreements
    titles = {row[0] for row in rows[1:]}
    assert '\'=HYPERLINK("x")' in titles
    board_row = next(row for row in rows if row[0] == '\'=HYPERLINK("x")')
    assert board_row[2] == "Leerling BV" and board_row[3] == "ParnasSys"
    assert board_row[6] == "ja" and board_row[12] == 48


# Reviews -------------------------------------------------------------------------------------


def test_review_pages_per_persona(personas: Personas, world: World) -> None:
    review = review_services.start_review(SYSTEM, world.board_agreement)
    item = checklist_codes()[0]
    assert_access(personas, reverse("suppliers:review", args=[review.pk]), READS_A)
    assert_access(personas, reverse("suppliers:review_item", args=[review.pk, item]), READS_A)
    assert_access(
        personas,
        reverse("suppliers:review_item", args=[review.pk, item]),
        {**CHANGES_A, "coordinator_a": 302, "privacy_officer_a": 302},
        method="post",
        data={f"{item}-verdict": "fine", f"{item}-note": "Helder"},
    )
    assert_access(
        personas,
        reverse("suppliers:review_conclusion", args=[review.pk]),
        {**CHANGES_A, "coordinator_a": 302, "privacy_officer_a": 302},
        method="post",
        data={"conclusion": "Concept"},
    )
    assert Review.objects.get(pk=review.pk).conclusion == "Concept"
    assert_access(
        personas,
        reverse("suppliers:review_reopen", args=[review.pk]),
        {**CHANGES_A, "coordinator_a": 302, "privacy_officer_a": 302},
        method="post",
    )


def test_central_review_pages_per_persona(personas: Personas, world: World) -> None:
    central = review_services.start_central_review(SYSTEM, world.shared)
    item = checklist_codes()[0]
    draft = {**NONE, "sector_curator": 200}
    assert_access(personas, reverse("suppliers:review", args=[central.pk]), draft)
    assert_access(
        personas,
        reverse("suppliers:review_item", args=[central.pk, item]),
        {**NONE, "sector_curator": 302},
        method="post",
        data={f"{item}-verdict": "attention", f"{item}-note": "Looptijd onduidelijk"},
    )
    for code in checklist_codes():
        review_services.update_review_item(SYSTEM, central, code, verdict="fine")
    review_services.complete_review(SYSTEM, central, "In orde")
    assert_access(personas, reverse("suppliers:review", args=[central.pk]), CATALOGUE)
    assert_access(
        personas,
        reverse("suppliers:review_reopen", args=[central.pk]),
        {**CHANGES_SHARED, "sector_curator": 302},
        method="post",
    )


def test_review_flow_in_the_browser_shape(personas: Personas, world: World) -> None:
    """A board reviews an agreement based on the central review, item by item via htmx."""
    central = review_services.start_central_review(SYSTEM, world.shared)
    for code in checklist_codes():
        review_services.update_review_item(
            SYSTEM, central, code, verdict="fine", note=f"Centraal {code}"
        )
    review_services.complete_review(SYSTEM, central, "Standaard in orde")
    client = personas.client("privacy_officer_a")
    response = client.post(reverse("suppliers:review_start", args=[world.board_agreement.pk]))
    review = Review.objects.get(agreement=world.board_agreement)
    assert response.url == reverse("suppliers:review", args=[review.pk])
    assert review.base == central
    page = client.get(response.url).content.decode()
    assert "Zoals centraal beoordeeld" in page and "Centraal liability" in page
    response = client.post(
        reverse("suppliers:review_item", args=[review.pk, "liability"]),
        {"liability-verdict": "attention", "liability-note": "Plafond te laag voor ons"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.templates[0].name == "suppliers/_review_item.html"
    assert 'id="onderdeel-liability"' in response.content.decode()
    assert "Opgeslagen." in response.content.decode()
    response = client.post(
        reverse("suppliers:review_item", args=[review.pk, "liability"]),
        {"liability-verdict": "onzin"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("suppliers:review_conclusion", args=[review.pk]), {"afronden": "1"}
    )
    assert response.status_code == 400
    assert "Schrijf een conclusie" in response.content.decode()
    response = client.post(
        reverse("suppliers:review_conclusion", args=[review.pk]),
        {"conclusion": "Tekenen na gesprek over aansprakelijkheid", "afronden": "1"},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.completed_at is not None
    page = client.get(reverse("suppliers:review", args=[review.pk])).content.decode()
    assert "Plafond te laag voor ons" in page and "zoals centraal beoordeeld" in page
    response = client.post(
        reverse("suppliers:review_item", args=[review.pk, "liability"]),
        {"liability-verdict": "fine"},
    )
    assert response.status_code == 403
    assert client.get(reverse("suppliers:review_item", args=[review.pk, "nope"])).status_code == 404


@pytest.mark.parametrize("name", ["coordinator_b", "sector_curator", "sector_analyst", "staff_a"])
def test_outsiders_cannot_write_board_a(personas: Personas, world: World, name: str) -> None:
    client = personas.client(name)
    pk = world.board_agreement.pk
    assert client.post(reverse("suppliers:agreement_delete", args=[pk])).status_code == 404
    assert client.post(reverse("suppliers:agreement_edit", args=[pk]), {}).status_code == 404
    assert Agreement.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("suppliers:list", []),
        ("suppliers:detail", ["shared"]),
        ("suppliers:agreements", []),
        ("suppliers:agreements_export", []),
        ("suppliers:agreement_detail", ["agreement"]),
        ("suppliers:agreement_document", ["agreement"]),
    ],
)
def test_reading_pages_refuse_other_methods(
    personas: Personas, world: World, name: str, args: list[str]
) -> None:
    objects = {"shared": world.shared.pk, "agreement": world.board_agreement.pk}
    url = reverse(name, args=[objects[arg] for arg in args])
    client = personas.client("privacy_officer_a")
    assert client.post(url, {"title": "x"}).status_code == 405
    assert client.delete(url).status_code == 405
    assert Agreement.objects.filter(title="x").count() == 0


def test_review_page_refuses_post_and_conclusion_is_limited(
    personas: Personas, world: World
) -> None:
    review = review_services.start_review(SYSTEM, world.board_agreement)
    client = personas.client("privacy_officer_a")
    assert client.post(reverse("suppliers:review", args=[review.pk])).status_code == 405
    response = client.post(
        reverse("suppliers:review_conclusion", args=[review.pk]),
        {"conclusion": "x" * 10001},
    )
    assert response.status_code == 400
    assert "De conclusie is te lang" in response.content.decode()
    assert Review.objects.get(pk=review.pk).conclusion == ""
    response = client.post(
        reverse("suppliers:review_item", args=[review.pk, "liability"]),
        {"liability-verdict": "fine", "liability-note": "y" * 4001},
    )
    assert response.status_code == 400
    assert "De notitie is te lang" in response.content.decode()
    assert not review.items.exclude(verdict="").exists()


def test_agreement_form_names_document_and_fields_at_once(
    personas: Personas, world: World, media: Path
) -> None:
    client = personas.client("privacy_officer_a")
    response = client.post(
        reverse("suppliers:agreement_edit", args=[world.board_agreement.pk]),
        {
            "supplier": world.shared.pk,
            "title": "VWO Leerling BV",
            "model": "model_4",
            "status": "signed",
            "signed_on": "2025-05-01",
            "expires_on": "2025-04-01",
            "document": SimpleUploadedFile("vwo.pdf", b"MZ not a pdf"),
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"expires_on", "document"}
    assert "moet na de datum van ondertekening" in response.content.decode()
    # Dates in the wrong format and an unknown choice are form errors, not a 500.
    response = client.post(
        reverse("suppliers:agreement_edit", args=[world.board_agreement.pk]),
        {
            "supplier": "abc",
            "title": "t" * 201,
            "model": "eigen",
            "status": "signed",
            "signed_on": "31-02-2025",
        },
    )
    assert set(response.context["form"].errors) == {"supplier", "title", "model", "signed_on"}
    agreement = Agreement.objects.get(pk=world.board_agreement.pk)
    assert agreement.expires_on is None and not agreement.document
    assert agreement.signed_on == dt.date(2024, 1, 1)


def _complete_central(supplier: Supplier, conclusion: str) -> Review:
    central = review_services.start_central_review(SYSTEM, supplier)
    for code in checklist_codes():
        review_services.update_review_item(SYSTEM, central, code, verdict="fine")
    return review_services.complete_review(SYSTEM, central, conclusion)


def test_supplier_page_shows_the_central_review_boards_build_on(
    personas: Personas, world: World
) -> None:
    """Boards see the newest completed central review (the one a new board review is based
    on), the curator its open draft first; the curator sees no board review built on it."""
    _complete_central(world.shared, "Eerste versie")
    review_services.start_review(SYSTEM, world.board_agreement)  # built on the first version
    newest = _complete_central(world.shared, "Tweede versie")
    draft = review_services.start_central_review(SYSTEM, world.shared)
    url = reverse("suppliers:detail", args=[world.shared.pk])
    board = personas.client("fg_a").get(url)
    assert board.context["page"].central_review == newest
    assert "Tweede versie" in board.content.decode()
    curator = personas.client("sector_curator").get(url)
    assert curator.context["page"].central_review == draft
    assert "Beoordeling voortzetten" in curator.content.decode()
    later = review_services.start_review(SYSTEM, world.sibling_agreement)
    assert later.base == newest
    page = personas.client("privacy_officer_a").get(reverse("suppliers:review", args=[later.pk]))
    assert reverse("suppliers:review", args=[newest.pk]) in page.content.decode()
    central_page = personas.client("sector_curator").get(
        reverse("suppliers:review", args=[newest.pk])
    )
    content = central_page.content.decode()
    assert "Stichting Alfa" not in content and "VWO Leesapp" not in content
