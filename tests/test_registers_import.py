"""Importing applications from XLSX and CSV: all or nothing, every bad row and field reported,
idempotent re-runs, the templates, and the export → import round trip with formula guards."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.lib.tabular import MAX_IMPORT_BYTES, ImportRejected
from schildwacht.registers import services
from schildwacht.registers.columns import COLUMNS
from schildwacht.registers.exports import export_applications_xlsx
from schildwacht.registers.models import Application
from tests.personas import Personas
from tests.registers_data import SYSTEM, make_application, make_suppliers

HEADER = ["naam", "soort", "leverancier", "soorten persoonsgegevens", "beschikbaarheid"]


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Applicaties"
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(lines: list[str], encoding: str = "utf-8-sig") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def problems_of(excinfo: pytest.ExceptionInfo[ImportRejected]) -> list[tuple[Any, str, str]]:
    return [(p.line, p.column, p.value) for p in excinfo.value.problems]


@pytest.fixture
def suppliers(personas: Personas) -> dict[str, Any]:
    return make_suppliers(personas.tree)


def test_import_creates_then_updates_by_name_and_is_idempotent(
    personas: Personas, suppliers: dict[str, Any]
) -> None:
    tree = personas.tree
    make_application(tree.board_a, name="ParnasSys", owner_name="Oud")
    content = xlsx(
        [
            [
                "parnassys",
                "Leerlingadministratie",
                "leerling bv",
                "NAW- en contactgegevens; results",
                "Hoog",
            ],
            ["Gynzy", "learning_app", "Alfa ICT", "", "m"],
            [None, None, None, None, None],  # a blank row is skipped
        ]
    )
    actor = Actor.for_user(personas["privacy_officer_a"])
    last_entry = AuditEntry.objects.order_by("pk").last().pk
    result = services.import_applications(actor, tree.board_a, "register.xlsx", content)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    updated = Application.objects.get(name__iexact="parnassys")
    assert updated.name == "parnassys" and updated.owner_name == "Oud"  # absent columns stay
    assert updated.supplier == suppliers["sector"] and updated.availability == "high"
    assert updated.data_categories == ["contact", "results"]
    assert updated.updated_by == personas["privacy_officer_a"]
    created = Application.objects.get(name="Gynzy")
    assert created.kind == "learning_app" and created.supplier == suppliers["board_a"]
    assert created.availability == "medium" and created.created_by == personas["privacy_officer_a"]
    entries = AuditEntry.objects.filter(pk__gt=last_entry, object_type="registers.application")
    assert sorted(entries.values_list("action", flat=True)) == ["create", "update"]
    # The same file again changes nothing and writes no audit entry.
    count = AuditEntry.objects.count()
    again = services.import_applications(actor, tree.board_a, "register.xlsx", content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.count() == count


def test_every_bad_row_and_field_is_reported_and_nothing_written(
    personas: Personas, suppliers: dict[str, Any]
) -> None:
    tree = personas.tree
    header = [
        "naam",
        "soort",
        "leverancier",
        "soorten persoonsgegevens",
        "bijzondere persoonsgegevens",
        "bevat persoonsgegevens",
        "aantal betrokkenen",
        "single sign-on",
        "organisatie",
        "scholen",
        "land van hosting",
    ]
    content = xlsx(
        [
            ["Goed", "sis", "", "", "", "ja", "1.200", "", "", "De Eik, 11AB00", "nl"],
            [
                "Raar",
                "ruimteschip",
                "Onbekend BV",
                "schoenmaat",
                "Gezondheid, sterrenbeeld",
                "misschien",
                "veel",
                "soms",
                "",
                "",
                "Nederland",
            ],
            ["goed", "sis", "", "", "", "", "1.5", "", "", "", ""],
            ["", "sis", "Bèta Hosting", "", "", "", "-5", "", "Het Baken", "", ""],
            ["School", "sis", "", "", "", "", "", "", "De Eik", "De Linde", ""],
        ],
        header,
    )
    before = AuditEntry.objects.count()
    with pytest.raises(ImportRejected) as excinfo:
        services.import_applications(SYSTEM, tree.board_a, "bad.xlsx", content)
    got = problems_of(excinfo)
    assert got == [
        (3, "soort", "ruimteschip"),
        (3, "leverancier", "Onbekend BV"),
        (3, "soorten persoonsgegevens", "schoenmaat"),
        (3, "bijzondere persoonsgegevens", "Gezondheid, sterrenbeeld"),
        (3, "bevat persoonsgegevens", "misschien"),
        (3, "aantal betrokkenen", "veel"),
        (3, "single sign-on", "soms"),
        (3, "land van hosting", "Nederland"),
        (4, "aantal betrokkenen", "1.5"),
        (4, "naam", "goed"),
        (5, "naam", ""),
        (5, "leverancier", "Bèta Hosting"),
        (5, "aantal betrokkenen", "-5"),
        (5, "organisatie", "Het Baken"),
        (6, "scholen", "De Linde"),
    ]
    reasons = {(p.line, p.column): p.reason for p in excinfo.value.problems}
    assert "regel 2" in reasons[(4, "naam")]
    assert "sterrenbeeld" in reasons[(3, "bijzondere persoonsgegevens")]
    assert "Leerlingadministratie" in reasons[(3, "soort")]
    assert not Application.objects.exists() and AuditEntry.objects.count() == before
    # The good row was fine on its own (a dotted thousands number, a BRIN code, "nl").
    services.import_applications(
        SYSTEM, tree.board_a, "good.xlsx", xlsx([["Goed", "sis", "", "", ""]])
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("leeg.csv", b"", "leeg"),
        ("leeg.csv", b"\xef\xbb\xbf\n;;\n", "leeg"),
        ("kop.csv", csv_bytes(["naam;soort"]), "alleen een kopregel"),
        ("latin.csv", "naam;soort\nCafé;sis\n".encode("latin-1"), "UTF-8"),
        ("plaatje.xlsx", b"\x89PNG\r\n\x1a\n" + b"x" * 50, "geen geldig XLSX"),
        ("zip.xlsx", b"PK\x03\x04" + b"x" * 50, "geen geldig XLSX"),
        ("rapport.pdf", b"%PDF-1.4 x", "Alleen XLSX- en CSV"),
        ("binair.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "UTF-8"),
        ("zip.csv", b"PK\x03\x04" + b"x" * 50, "geen CSV-bestand"),
        (
            "groot.csv",
            b"naam;soort\n" + b"x;sis\n" * (MAX_IMPORT_BYTES // 6 + 1),
            "groter dan 5 MB",
        ),
    ],
)
def test_files_that_cannot_be_read(
    personas: Personas, name: str, content: bytes, reason: str
) -> None:
    with pytest.raises(ImportRejected) as excinfo:
        services.import_applications(SYSTEM, personas.tree.board_a, name, content)
    [problem] = excinfo.value.problems
    assert problem.line is None and reason in problem.reason
    assert not Application.objects.exists()


def test_missing_and_doubled_columns(personas: Personas) -> None:
    content = csv_bytes(["omschrijving;eigenaar;eigenaar", "x;y;z"])
    with pytest.raises(ImportRejected) as excinfo:
        services.import_applications(SYSTEM, personas.tree.board_a, "k.csv", content)
    assert problems_of(excinfo) == [(1, "eigenaar", "eigenaar"), (1, "naam", ""), (1, "soort", "")]
    assert "ontbreekt" in excinfo.value.problems[1].reason


def test_csv_with_bom_commas_and_field_names_as_headers(personas: Personas) -> None:
    content = csv_bytes(
        [
            "name,kind,personal_data,pupil_data,people_count",
            "Basispoort,Leermiddel of leerapp,nee,,",
        ]
    )
    result = services.import_applications(SYSTEM, personas.tree.board_a, "b.CSV", content)
    assert result.created == 1
    application = Application.objects.get()
    assert application.personal_data is False and application.kind == "learning_app"


def test_rows_of_other_organisations_follow_the_importers_reach(personas: Personas) -> None:
    tree = personas.tree
    content = csv_bytes(["naam;soort;organisatie", "Eik-app;sis;De Eik", "Linde-app;sis;De Linde"])
    leader = Actor.for_user(personas["school_leader_a"])
    with pytest.raises(ImportRejected) as excinfo:
        services.import_applications(leader, tree.school_a1, "s.csv", content)
    assert problems_of(excinfo) == [(3, "organisatie", "De Linde")]
    with pytest.raises(services.RegisterRefused):
        services.import_applications(leader, tree.board_a, "s.csv", content)
    with pytest.raises(services.RegisterRefused):
        services.import_applications(
            Actor.for_user(personas["fg_a"]), tree.board_a, "s.csv", content
        )
    result = services.import_applications(
        Actor.for_user(personas["coordinator_a"]), tree.board_a, "s.csv", content
    )
    assert result.created == 2
    assert set(Application.objects.values_list("organisation__name", flat=True)) == {
        "De Eik",
        "De Linde",
    }


def test_export_then_import_round_trips_with_formula_guards(
    personas: Personas, suppliers: dict[str, Any]
) -> None:
    tree = personas.tree
    evil = '=HYPERLINK("http://evil.example","klik")'
    make_application(
        tree.board_a,
        name=evil,
        owner_name="-beheer",
        supplier=suppliers["sector"],
        schools=[tree.school_a1, tree.school_a2],
        special_categories=["health"],
        people_count=1200,
        sso_supported=True,
        hosting="saas",
        hosting_country="NL",
        criticality="vital",
        notes="@notitie\nmet twee regels",
    )
    make_application(tree.school_a1, name="+31 app", personal_data=False, data_categories=[])
    content = export_applications_xlsx(Application.objects.prefetch_related("schools"))
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][: len(COLUMNS)]) == [c.header for c in COLUMNS]
    by_name = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    exported = by_name["'" + evil]
    assert exported["eigenaar"] == "'-beheer" and exported["toelichting"].startswith("'@")
    assert exported["aantal betrokkenen"] == 1200 and exported["single sign-on"] == "ja"
    assert exported["scholen"] == "De Eik, De Linde" and exported["volledig"] == "ja"
    assert exported["bijzondere persoonsgegevens"] == "Gezondheid"
    assert by_name["'+31 app"]["bevat persoonsgegevens"] == "nee"
    snapshot = {
        a.pk: services.application_snapshot(a, sorted(s.pk for s in a.schools.all()))
        for a in Application.objects.all()
    }
    count = AuditEntry.objects.count()
    result = services.import_applications(SYSTEM, tree.board_a, "export.xlsx", content)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.count() == count
    after = {
        a.pk: services.application_snapshot(a, sorted(s.pk for s in a.schools.all()))
        for a in Application.objects.all()
    }
    assert after == snapshot and Application.objects.filter(name=evil).exists()


def test_templates_explain_every_column(personas: Personas, suppliers: dict[str, Any]) -> None:
    client = personas.client("privacy_officer_a")
    response = client.get(reverse("registers:import_template_xlsx"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Applicaties", "Uitleg", "Categorieën"]
    assert [c.value for c in workbook["Applicaties"][1]] == [c.header for c in COLUMNS]
    explained = {row[0]: row for row in workbook["Uitleg"].iter_rows(min_row=2, values_only=True)}
    assert set(explained) == {c.header for c in COLUMNS}
    assert explained["naam"][1] == "ja" and explained["eigenaar"][1] == "nee"
    assert (
        "Alfa ICT" in explained["leverancier"][3] and "Leerling BV" in explained["leverancier"][3]
    )
    assert "Bèta Hosting" not in explained["leverancier"][3]
    assert (
        "De Eik" in explained["scholen"][3] and explained["integriteit"][3] == "Laag, Midden, Hoog"
    )
    csv_response = client.get(reverse("registers:import_template_csv"))
    assert csv_response.content.startswith(b"\xef\xbb\xbfnaam;soort;organisatie")
    # The empty template itself is refused with a clear reason, not a 500.
    with pytest.raises(ImportRejected):
        services.import_applications(SYSTEM, personas.tree.board_a, "t.csv", csv_response.content)


def test_import_page_shows_every_problem_then_the_counts(
    personas: Personas, suppliers: dict[str, Any]
) -> None:
    client = personas.client("privacy_officer_a")
    url = reverse("registers:application_import")
    bad = SimpleUploadedFile(
        "r.csv", csv_bytes(["naam;soort;leverancier", "A;sis;Niemand", "B;boot;"])
    )
    response = client.post(url, {"organisation": personas.tree.board_a.pk, "file": bad})
    page = response.content.decode()
    assert response.status_code == 422
    assert "2 fouten" in page and "<code>Niemand</code>" in page and "<code>boot</code>" in page
    assert not Application.objects.exists()
    good = SimpleUploadedFile("r.csv", csv_bytes(["naam;soort", "A;sis", "B;sis"]))
    response = client.post(
        url, {"organisation": personas.tree.board_a.pk, "file": good}, follow=True
    )
    assert "2 nieuwe en 0 gewijzigde" in response.content.decode()
    # An organisation outside the user's reach is not a choice.
    other = SimpleUploadedFile("r.csv", csv_bytes(["naam;soort", "C;sis"]))
    response = client.post(url, {"organisation": personas.tree.board_b.pk, "file": other})
    assert response.status_code == 200 and Application.objects.count() == 2
