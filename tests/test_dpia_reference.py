"""The DPIA reference data: the AP's list, the nine European criteria and the risk matrix are
valid against their schemas, complete, and the schemas refuse broken files."""

from __future__ import annotations

import copy

import pytest
import yaml
from pydantic import ValidationError

from schildwacht.dpia.reference import (
    DATA,
    ApList,
    CriteriaList,
    RiskMatrix,
    ap_list,
    criteria_list,
    risk_matrix,
)

AP_NAMES = [
    "Heimelijk onderzoek",
    "Zwarte lijsten",
    "Fraudebestrijding",
    "Creditscores",
    "Financiële situatie",
    "Genetische persoonsgegevens",
    "Biometrische gegevens",
    "Samenwerkingsverbanden",
    "Cameratoezicht",
    "Flexibel cameratoezicht",
    "Controle werknemers",
    "Locatiegegevens",
    "Communicatiegegevens",
    "Internet of things",
    "Profilering",
    "Observatie en beïnvloeding van gedrag",
    "Gezondheidsgegevens",
]
CRITERIA_EN = [
    "Evaluation or scoring",
    "Automated decision-making with legal or similarly significant effect",
    "Systematic monitoring",
    "Sensitive or highly personal data",
    "Data processed on a large scale",
    "Matching or combining data sets",
    "Data concerning vulnerable data subjects",
    "Innovative use or application of new technology",
    "Prevents data subjects from exercising a right or using a service",
]


def _raw(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def test_ap_list_has_the_seventeen_types_with_source() -> None:
    data = ap_list()
    assert [item.name for item in data.items] == AP_NAMES
    assert data.source.publisher == "Autoriteit Persoonsgegevens"
    assert data.source.year == 2019
    assert len({item.code for item in data.items}) == 17
    # Our own words: every item has a description; most have a school example.
    assert all(len(item.description) > 40 for item in data.items)
    assert sum(1 for item in data.items if item.school_example) >= 15


def test_nine_european_criteria_in_dutch_and_english() -> None:
    data = criteria_list()
    assert [c.label.en for c in data.items] == CRITERIA_EN
    assert all(c.label.nl and len(c.explanation) > 60 for c in data.items)
    codes = {c.code for c in data.items}
    assert {"kwetsbare_betrokkenen", "grote_schaal"} <= codes
    assert "WP 248" in data.source.title
    # One namespace of codes: a pre-scan's reasons are keyed by code.
    assert not codes & {item.code for item in ap_list().items}


def test_risk_matrix_levels() -> None:
    matrix = risk_matrix()
    assert [p.value for p in matrix.likelihood] == [1, 2, 3, 4]
    assert [p.label for p in matrix.impact] == ["Beperkt", "Aanzienlijk", "Ernstig", "Zeer ernstig"]
    assert matrix.max_score == 16
    # Hand-made: every product of the 4×4 matrix and its level.
    expected = {1: "laag", 2: "laag", 3: "laag", 4: "midden", 6: "midden", 8: "hoog", 9: "hoog"}
    expected |= {12: "hoog", 16: "hoog"}
    for score, code in expected.items():
        assert matrix.level_for(score).code == code, score
    assert [s for s in range(1, 17) if matrix.is_high(s)] == list(range(8, 17))


def test_schemas_refuse_broken_files() -> None:
    ap = _raw("ap_list.yaml")
    short = copy.deepcopy(ap)
    short["items"].pop()
    with pytest.raises(ValidationError):
        ApList.model_validate(short)
    duplicate = copy.deepcopy(ap)
    duplicate["items"][1]["code"] = duplicate["items"][0]["code"]
    with pytest.raises(ValidationError, match="duplicate codes"):
        ApList.model_validate(duplicate)
    extra = copy.deepcopy(ap)
    extra["source"]["reference"] = "Stcrt. ?"
    with pytest.raises(ValidationError):
        ApList.model_validate(extra)
    criteria = _raw("criteria.yaml")
    criteria["items"][0]["code"] = "Evaluatie scoring"
    with pytest.raises(ValidationError):
        CriteriaList.model_validate(criteria)
    matrix = _raw("risk_matrix.yaml")
    gap = copy.deepcopy(matrix)
    gap["likelihood"][2]["value"] = 4
    with pytest.raises(ValidationError, match=r"1\.\.n"):
        RiskMatrix.model_validate(gap)
    low_high = copy.deepcopy(matrix)
    low_high["levels"][0]["high"] = True
    with pytest.raises(ValidationError, match="top level"):
        RiskMatrix.model_validate(low_high)
    assert RiskMatrix.model_validate(matrix) == risk_matrix()
