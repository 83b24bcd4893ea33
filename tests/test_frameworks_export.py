"""Exports of a framework as YAML, XLSX and OSCAL, for every signed-in user."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from trestle.oscal.catalog import Catalog

from schildwacht.audit.services import Actor
from schildwacht.frameworks.exports import export_framework, export_xlsx, norm_rows
from schildwacht.frameworks.loader import DATA_DIR, read_framework
from schildwacht.frameworks.models import Framework, Norm
from schildwacht.frameworks.schema import FrameworkFile
from schildwacht.frameworks.services import import_norms, load_catalogues
from tests.personas import PERSONA_ROLES, Personas, assert_access

pytestmark = pytest.mark.django_db

EVERYONE_200 = dict.fromkeys(PERSONA_ROLES, 200)


@pytest.fixture
def framework(personas: Personas) -> Framework:
    load_catalogues()
    return Framework.objects.get()


def _curator(personas: Personas) -> Actor:
    return Actor.for_user(personas["sector_curator"])


def test_every_persona_downloads_every_format(personas: Personas, framework: Framework) -> None:
    types = {
        "yaml": "application/yaml",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "oscal": "application/json",
    }
    for fmt, content_type in types.items():

        def check(name: str, response: Any, content_type: str = content_type) -> None:
            assert response["Content-Type"] == content_type
            assert response["Content-Disposition"].startswith("attachment; filename=")

        url = reverse("frameworks:export", args=[framework.pk, fmt])
        assert_access(personas, url, EVERYONE_200, check=check)
        api_url = f"/api/v1/frameworks/{framework.pk}/export?format={fmt}"
        assert_access(personas, api_url, EVERYONE_200, api=True, check=check)


def test_unknown_format_and_framework(personas: Personas, framework: Framework) -> None:
    client = personas.client("staff_a")
    assert client.get(reverse("frameworks:export", args=[framework.pk, "pdf"])).status_code == 404
    missing = reverse("frameworks:export", args=[framework.pk + 99, "yaml"])
    assert client.get(missing).status_code == 404
    api = personas.api("staff_a")
    assert api.get(f"/api/v1/frameworks/{framework.pk}/export?format=pdf").status_code == 422
    assert api.get(f"/api/v1/frameworks/{framework.pk}/export").status_code == 422
    assert api.get(f"/api/v1/frameworks/{framework.pk + 99}/export?format=yaml").status_code == 404
    # Signed out: the page sends to login, the API answers 401.
    assert (
        Client().get(reverse("frameworks:export", args=[framework.pk, "yaml"])).status_code == 302
    )
    assert Client().get(f"/api/v1/frameworks/{framework.pk}/export?format=yaml").status_code == 401


def test_detail_page_links_the_downloads(personas: Personas, framework: Framework) -> None:
    html = personas.client("staff_a").get(reverse("frameworks:detail", args=[framework.pk]))
    text = html.content.decode()
    for fmt in ("yaml", "xlsx", "oscal"):
        assert reverse("frameworks:export", args=[framework.pk, fmt]) in text
    assert reverse("frameworks:import", args=[framework.pk]) not in text
    curator = personas.client("sector_curator").get(
        reverse("frameworks:detail", args=[framework.pk])
    )
    assert reverse("frameworks:import", args=[framework.pk]) in curator.content.decode()


def test_yaml_export_validates_and_matches_the_shipped_file(
    framework: Framework, tmp_path: Path
) -> None:
    export = export_framework(framework, "yaml")
    assert export.filename == "normenkader-ibp-fo-2024-06-06.yaml"
    data = yaml.safe_load(export.content.decode())
    exported = FrameworkFile.model_validate(data)
    shipped = read_framework(DATA_DIR / "normenkader-ibp-fo-2024-06-06.yaml").data
    # The export of the loaded file is the file itself (as data).
    assert exported == shipped
    # And it could be shipped: the loader reads it under its own name.
    path = tmp_path / export.filename
    path.write_bytes(export.content)
    assert read_framework(path).data == shipped


def test_yaml_export_of_an_imported_edition_validates(
    personas: Personas, framework: Framework
) -> None:
    content = b"id;titel;domein;omschrijving\nPB.01;Screening;4;Tekst.\nIM.01;Melden;6;\n"
    edition = import_norms(_curator(personas), framework, "n.csv", content).framework
    exported = FrameworkFile.model_validate(
        yaml.safe_load(export_framework(edition, "yaml").content)
    )
    norms = {n.id: n for d in exported.domains for n in d.norms}
    assert norms["PB.01"].confidence == "imported" and norms["PB.01"].title == "Screening"
    assert norms["IM.01"].title_is_official
    assert exported.norm_count == 37
    assert next(d for d in exported.domains if d.part == "IB" and d.number == 4).prefix == "PB"


def test_oscal_export_validates_with_trestle(framework: Framework) -> None:
    export = export_framework(framework, "oscal")
    document = json.loads(export.content)
    catalog = Catalog.model_validate(document["catalog"])
    assert catalog.metadata.title == "Normenkader IBP FO"
    assert document["catalog"]["metadata"]["oscal-version"].startswith("1.")
    assert catalog.metadata.version == "2024-06-06 editie 1"
    groups = catalog.groups or []
    assert len(groups) == 22
    controls = {c.id: c for g in groups for c in (getattr(g, "controls", None) or [])}
    assert len(controls) == 36
    go01 = controls["go.01"]
    assert go01.title == "Strategie informatiebeveiliging"
    props = {p.name: p.value for p in go01.props or []}
    assert props == {"label": "GO.01", "confidence": "confirmed", "official-title": "true"}
    parts = go01.parts or []
    assert parts[0].name == "statement" and parts[0].prose
    assert [p.title for p in parts[1:]] == [f"Niveau {n}" for n in range(1, 6)]
    im01 = {p.name: p.value for p in controls["im.01"].props or []}
    assert im01["official-title"] == "false" and im01["confidence"] == "id_only"
    # The output is stable JSON that trestle parses back to the same catalog.
    again = Catalog.model_validate(json.loads(catalog.oscal_serialize_json())["catalog"])
    assert again == catalog
    assert export_framework(framework, "oscal").content == export.content


def _sheet(content: bytes, name: str) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(content))
    return list(workbook[name].iter_rows(values_only=True))


def test_xlsx_has_the_import_columns_and_the_domains(framework: Framework) -> None:
    export = export_framework(framework, "xlsx")
    norms = _sheet(export.content, "Normen")
    assert norms[0][:6] == ("id", "titel", "officiele_titel", "deel", "domein", "omschrijving")
    assert norms[0][6:] == tuple(f"niveau_{n}" for n in range(1, 6))
    assert len(norms) == 1 + 36
    go01 = next(row for row in norms if row[0] == "GO.01")
    assert go01[3:5] == ("IB", 1)  # the domain number stays a number
    domains = _sheet(export.content, "Domeinen")
    assert len(domains) == 1 + 22
    assert domains[16][:4] == ("privacy", 1, None, None)


def test_xlsx_round_trip_changes_nothing(personas: Personas, framework: Framework) -> None:
    export = export_framework(framework, "xlsx")
    result = import_norms(_curator(personas), framework, export.filename, export.content)
    assert not result.created
    assert Framework.objects.count() == 1


def test_formula_like_titles_are_neutralised_and_restored(
    personas: Personas, framework: Framework
) -> None:
    Norm.objects.filter(framework=framework, norm_id="GO.01").update(
        title='=HYPERLINK("https://example.test")', description="-5 is geen getal hier"
    )
    export = export_xlsx(framework)
    workbook = load_workbook(io.BytesIO(export.content))
    sheet = workbook["Normen"]
    row = next(r for r in sheet.iter_rows() if r[0].value == "GO.01")
    assert row[1].value == '\'=HYPERLINK("https://example.test")'
    assert row[1].data_type == "s"  # text, not a formula
    assert row[5].value == "'-5 is geen getal hier"
    assert row[4].value == 1 and row[4].data_type == "n"
    # Importing the export restores the text: nothing changes.
    result = import_norms(_curator(personas), framework, export.filename, export.content)
    assert not result.created
    # Someone edits a title in the sheet; the new edition has it without the guard.
    sheet.cell(row=row[0].row, column=3).value = "ja"
    row[1].value = "'=nieuwe titel"
    buffer = io.BytesIO()
    workbook.save(buffer)
    edited = import_norms(_curator(personas), framework, "bewerkt.xlsx", buffer.getvalue())
    assert edited.created and edited.changed_norms == ["GO.01"]
    assert edited.framework.norms.get(norm_id="GO.01").title == "=nieuwe titel"


def test_csv_from_the_norm_rows_round_trips(personas: Personas, framework: Framework) -> None:
    # The same rows as semicolon CSV (as a spreadsheet would save them) import without change.
    lines = [
        ";".join('"' + str(cell).replace('"', '""') + '"' for cell in row)
        for row in norm_rows(framework)
    ]
    content = ("\n".join(lines) + "\n").encode()
    assert not import_norms(_curator(personas), framework, "normen.csv", content).created


def test_export_query_count_is_fixed(
    framework: Framework, django_assert_max_num_queries: Any
) -> None:
    for fmt in ("yaml", "xlsx", "oscal"):
        with django_assert_max_num_queries(2):
            export_framework(framework, fmt)
