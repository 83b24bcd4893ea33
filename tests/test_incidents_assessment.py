"""The decision logic of the breach assessment (AVG art. 33 and 34, with every branch of art.
34(3)) against hand-made cases, and the reference data's schema."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from schildwacht.incidents.assessment import (
    Answers,
    InconsistentAnswers,
    Inform,
    check,
    decide,
    suggest,
)
from schildwacht.incidents.reference import REFERENCE_FILE, Reference, reference

CASES = [
    # (case, answers, notify AP, inform, reason)
    ("no breach at all", Answers(False, False, False), False, Inform.NONE, "no_breach"),
    ("risk unlikely", Answers(True, False, False), False, Inform.NONE, "no_risk"),
    ("risk, not high", Answers(True, True, False), True, Inform.NONE, "no_high_risk"),
    ("high risk", Answers(True, True, True), True, Inform.INDIVIDUAL, "inform_individually"),
    (
        "34(3)(a) encrypted",
        Answers(True, True, True, unintelligible=True),
        True,
        Inform.NONE,
        "exception_a",
    ),
    (
        "34(3)(b) risk removed",
        Answers(True, True, True, risk_removed=True),
        True,
        Inform.NONE,
        "exception_b",
    ),
    (
        "34(3)(c) disproportionate",
        Answers(True, True, True, disproportionate=True),
        True,
        Inform.PUBLIC,
        "exception_c",
    ),
    (
        "(a) wins over (c)",
        Answers(True, True, True, unintelligible=True, disproportionate=True),
        True,
        Inform.NONE,
        "exception_a",
    ),
    (
        "(b) wins over (c)",
        Answers(True, True, True, risk_removed=True, disproportionate=True),
        True,
        Inform.NONE,
        "exception_b",
    ),
]


@pytest.mark.parametrize(("case", "answers", "notify", "inform", "reason"), CASES)
def test_decide(case: str, answers: Answers, notify: bool, inform: str, reason: str) -> None:
    outcome = decide(answers)
    assert (outcome.notify_ap, outcome.inform) == (notify, inform), case
    assert outcome.reasons[-1] == reason, case
    assert outcome.inform_individually is (inform == Inform.INDIVIDUAL)


@pytest.mark.parametrize(
    ("answers", "fields"),
    [
        (Answers(False, True, False), {"risk": "risk_without_breach"}),
        (Answers(True, False, True), {"high_risk": "high_without_risk"}),
        (
            Answers(True, True, False, unintelligible=True),
            {"unintelligible": "exception_without_high_risk"},
        ),
        (
            Answers(True, True, False, disproportionate=True),
            {"unintelligible": "exception_without_high_risk"},
        ),
    ],
)
def test_contradicting_answers_are_refused(answers: Answers, fields: dict[str, str]) -> None:
    with pytest.raises(InconsistentAnswers) as caught:
        check(answers)
    assert caught.value.fields == fields
    with pytest.raises(InconsistentAnswers):
        decide(answers)


def test_suggestion_from_factor_weights() -> None:
    assert suggest([]) == suggest(["nothing"])
    assert (suggest([]).risk, suggest([]).high_risk) == (False, False)
    assert (suggest(["risk"]).risk, suggest(["risk"]).high_risk) == (True, False)
    assert (suggest(["risk", "high"]).risk, suggest(["high"]).high_risk) == (True, True)
    weights = reference().weights(["children", "special_or_care"])
    assert weights == ["risk", "high"]


def test_reference_file_is_valid_and_labelled() -> None:
    ref = reference()
    assert [code for code, _label in ref.choices("subject_groups")][:3] == [
        "pupils",
        "parents",
        "staff",
    ]
    assert ref.labels("data_kinds", ["care", "identity", "unknown_code"]) == [
        "Naam, adres en contactgegevens",
        "Zorg- en ondersteuningsgegevens van leerlingen",
        "unknown_code",
    ]
    assert {factor.weight for factor in ref.factors} == {"risk", "high"}


def test_reference_schema_refuses_duplicates_and_unknown_weights() -> None:
    data = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    data["breach_types"].append(dict(data["breach_types"][0]))
    with pytest.raises(ValidationError, match="duplicate codes"):
        Reference.model_validate(data)
    data = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    data["factors"][0]["weight"] = "enormous"
    with pytest.raises(ValidationError):
        Reference.model_validate(data)
