"""The reference data of the risk register: both data files pass their schema, the schema
refuses broken variants, score bands by hand, the heat map geometry, and the template loader is
idempotent."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from pydantic import ValidationError

from schildwacht.audit.models import AuditEntry
from schildwacht.risks.heatmap import (
    CELL_HEIGHT,
    CELL_WIDTH,
    LABEL_WIDTH,
    TOP,
    heat_map,
    table_rows,
)
from schildwacht.risks.models import RiskTemplate
from schildwacht.risks.reference import (
    DATA,
    Matrix,
    TemplateFile,
    default_matrix,
    template_file,
)
from schildwacht.risks.template_services import load_risk_templates, update_template
from tests.personas import Tree
from tests.test_risks_world import SYSTEM


def _raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return data


def test_matrix_file_is_valid() -> None:
    matrix = default_matrix()
    assert [level.value for level in matrix.likelihood] == [1, 2, 3, 4, 5]
    assert [level.value for level in matrix.impact] == [1, 2, 3, 4, 5]
    assert matrix.band_codes() == ["laag", "midden", "hoog", "kritiek"]
    assert all(level.label.nl and level.label.en for level in matrix.likelihood + matrix.impact)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (1, "laag"),
        (4, "laag"),
        (5, "midden"),
        (9, "midden"),
        (10, "hoog"),
        (12, "hoog"),
        (16, "kritiek"),
        (15, "kritiek"),
        (25, "kritiek"),
    ],
)
def test_score_bands_by_hand(score: int, band: str) -> None:
    assert default_matrix().band_for(score).code == band


def test_band_ranges() -> None:
    matrix = default_matrix()
    assert matrix.band_range("laag") == (1, 4)
    assert matrix.band_range("midden") == (5, 9)
    assert matrix.band_range("hoog") == (10, 14)
    assert matrix.band_range("kritiek") == (15, 25)
    with pytest.raises(KeyError):
        matrix.band_range("extreem")


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(_raw("matrix.yaml"))
    change(data)
    return data


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["likelihood"].pop(),  # four levels
        lambda d: d["impact"].reverse(),  # out of order
        lambda d: d["bands"][1].update(min_score=1),  # bands not ascending
        lambda d: d["bands"][0].update(min_score=2),  # does not start at 1
        lambda d: d["bands"][3].update(text_colour="#b00000"),  # unreadable count
        lambda d: d["bands"][2].update(colour="red"),  # not a colour
        lambda d: d["likelihood"][0]["label"].pop("en"),  # English label missing
        lambda d: d.update(extra=1),  # unknown key
    ],
)
def test_matrix_schema_refuses_broken_files(change: Any) -> None:
    with pytest.raises(ValidationError):
        Matrix.model_validate(_broken(change))


def test_templates_file_is_valid() -> None:
    templates = template_file().templates
    codes = {t.code for t in templates}
    # The sector's starting set the issue names, and more for Dutch schools.
    assert {
        "ransomware",
        "phishing_account_takeover",
        "supplier_breach",
        "lost_device",
        "ddos",
        "insider_misuse",
        "key_application_outage",
    } <= codes
    assert len(templates) >= 10
    for template in templates:
        assert template.exposure.min <= template.exposure.max
        assert template.assets and template.measures


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["templates"][0].update(likelihood=6),
        lambda d: d["templates"][0].update(exposure={"min": 10, "max": 5}),
        lambda d: d["templates"][1].update(code=d["templates"][0]["code"]),
        lambda d: d["templates"][0].update(threat="Geen zin"),  # no full stop
        lambda d: d["templates"][0].update(measures=[]),
        lambda d: d["templates"][0].update(code="Ransomware"),
        lambda d: d.update(templates=d["templates"][:3]),
    ],
)
def test_template_schema_refuses_broken_files(change: Any) -> None:
    data = copy.deepcopy(_raw("templates.yaml"))
    change(data)
    with pytest.raises(ValidationError):
        TemplateFile.model_validate(data)


def test_loader_is_idempotent_and_keeps_the_curators_edits(tree: Tree) -> None:
    expected = len(template_file().templates)
    assert load_risk_templates(SYSTEM, tree.sector) == expected
    assert RiskTemplate.objects.filter(organisation=tree.sector).count() == expected
    entries = AuditEntry.objects.filter(object_type="risks.risktemplate").count()
    assert entries == expected
    ransomware = RiskTemplate.objects.get(organisation=tree.sector, code="ransomware")
    assert ransomware.title == "Ransomware legt systemen en bestanden plat"
    assert ransomware.title_en == "Ransomware disables systems and files"
    assert (ransomware.likelihood, ransomware.impact) == (3, 5)
    assert (
        str(ransomware.exposure_min) == "20000.00" and str(ransomware.exposure_max) == "150000.00"
    )
    assert len(ransomware.measure_lines) == 4
    update_template(SYSTEM, ransomware, likelihood=4)
    # A second run adds nothing, writes nothing and leaves the edit alone.
    assert load_risk_templates(SYSTEM, tree.sector) == 0
    assert AuditEntry.objects.filter(object_type="risks.risktemplate").count() == entries + 1
    ransomware.refresh_from_db()
    assert ransomware.likelihood == 4
    # A deleted template comes back on the next run (by its code).
    RiskTemplate.objects.filter(code="ddos").delete()
    assert load_risk_templates(SYSTEM, tree.sector) == 1


def test_heat_map_geometry_by_hand() -> None:
    labels = ["a", "b", "c", "d", "e"]
    chart = heat_map({(5, 1): 2, (1, 5): 1, (3, 3): 4}, default_matrix(), labels, labels)
    assert len(chart.cells) == 25
    assert chart.total == 7
    top_left = chart.cells[0]
    # Likelihood 5 is the top row, impact 1 the left column.
    assert (top_left.likelihood, top_left.impact, top_left.count) == (5, 1, 2)
    assert (top_left.x, top_left.y) == (LABEL_WIDTH, TOP)
    bottom_right = chart.cells[-1]
    assert (bottom_right.likelihood, bottom_right.impact, bottom_right.count) == (1, 5, 1)
    assert bottom_right.x == LABEL_WIDTH + 4 * CELL_WIDTH
    assert bottom_right.y == TOP + 4 * CELL_HEIGHT
    middle = next(c for c in chart.cells if (c.likelihood, c.impact) == (3, 3))
    assert middle.band.code == "midden" and middle.count == 4
    corner = next(c for c in chart.cells if (c.likelihood, c.impact) == (5, 5))
    assert corner.band.code == "kritiek" and corner.band.text_colour == "#ffffff"
    # The description lists occupied cells, highest score first.
    assert [(c.likelihood, c.impact) for c in chart.occupied()] == [(3, 3), (5, 1), (1, 5)]
    rows = table_rows({(5, 1): 2, (1, 5): 1}, labels)
    assert [row.level for row in rows] == ["e", "d", "c", "b", "a"]
    assert rows[0].counts == [2, 0, 0, 0, 0] and rows[-1].counts == [0, 0, 0, 0, 1]


def test_load_command(tree: Tree) -> None:
    out = io.StringIO()
    call_command("loadrisktemplates", stdout=out)
    assert (
        f"{tree.sector.name}: {len(template_file().templates)} sjablonen toegevoegd"
        in out.getvalue()
    )
    out = io.StringIO()
    call_command("loadrisktemplates", stdout=out)
    assert f"{tree.sector.name}: 0 sjablonen toegevoegd" in out.getvalue()
