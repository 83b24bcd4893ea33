"""The personal-data reference file: valid against its schema, complete enough for Dutch
schools, and the loader's lookups by code and label."""

from __future__ import annotations

import pytest
import yaml
from django.utils import translation
from pydantic import ValidationError

from schildwacht.registers.reference import (
    PERSONAL_DATA_FILE,
    Kind,
    categories,
    choices,
    in_file_order,
    label,
    lookup,
    personal_data,
    unknown_codes,
)
from schildwacht.registers.schema import PersonalDataFile


def test_the_shipped_file_is_valid_and_covers_what_schools_hold() -> None:
    data = personal_data()
    codes = {kind: {item.code for item in categories(kind)} for kind in Kind}
    assert {"contact", "identification", "results", "progress", "guidance", "behaviour"} <= codes[
        Kind.DATA
    ]
    assert {"media", "financial", "account_usage", "bsn"} <= codes[Kind.DATA]
    # AVG art. 9 in full, plus criminal data of art. 10.
    assert codes[Kind.SPECIAL] == {
        "health",
        "ethnicity",
        "religion",
        "politics",
        "trade_union",
        "genetic",
        "biometric",
        "sex_life",
        "criminal",
    }
    assert {s.code for s in data.special_categories if s.article == "10"} == {"criminal"}
    assert {"pupils", "parents", "staff", "applicants", "interns", "volunteers"} <= codes[
        Kind.SUBJECTS
    ]
    # Loaded once per process.
    assert personal_data() is data


def _raw() -> dict:
    return yaml.safe_load(PERSONAL_DATA_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["data_categories"].append(d["data_subjects"][0]), "occurs twice"),
        (lambda d: d["data_categories"][0]["label"].update(nl="Naam, adres"), "comma"),
        (lambda d: d["special_categories"][0].update(article="8"), "article"),
        (lambda d: d["data_categories"][0].update(code="Contact"), "code"),
        (lambda d: d["data_categories"][0].update(extra="x"), "extra"),
        (lambda d: d["data_subjects"][1]["label"].update(en="Pupils"), "twice"),
    ],
)
def test_the_schema_refuses_bad_files(change, message: str) -> None:
    data = _raw()
    change(data)
    with pytest.raises(ValidationError) as error:
        PersonalDataFile.model_validate(data)
    assert message.lower() in str(error.value).lower()


def test_lookups_by_code_and_label_in_either_language() -> None:
    assert lookup(Kind.DATA, "results") == "results"
    assert lookup(Kind.DATA, " leerresultaten en TOETSEN ") == "results"
    assert lookup(Kind.DATA, "Learning results and tests") == "results"
    assert lookup(Kind.SPECIAL, "Gezondheid") == "health"
    assert lookup(Kind.DATA, "Gezondheid") is None
    assert unknown_codes(Kind.SUBJECTS, ["pupils", "aliens"]) == ["aliens"]
    assert in_file_order(Kind.DATA, ["results", "contact", "results"]) == ["contact", "results"]
    with translation.override("en"):
        assert label(Kind.SUBJECTS, "parents") == "Parents and guardians"
        assert ("pupils", "Pupils") in choices(Kind.SUBJECTS)
    with translation.override("nl"):
        assert label(Kind.SUBJECTS, "parents") == "Ouders en verzorgers"
    assert label(Kind.DATA, "gone") == "gone"
