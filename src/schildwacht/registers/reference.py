"""Loading the personal-data reference file and looking categories up by code or label.

The file is read and checked once per process. Services use ``unknown_codes`` to refuse codes
that are not in the file; importers use ``lookup`` to accept a code or a label in either
language.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml
from django.utils.translation import get_language

from schildwacht.registers.schema import Category, PersonalDataFile

PERSONAL_DATA_FILE = Path(__file__).parent / "data" / "personal_data.yaml"


class Kind(StrEnum):
    """The three lists of the file."""

    DATA = "data_categories"
    SPECIAL = "special_categories"
    SUBJECTS = "data_subjects"


@cache
def personal_data() -> PersonalDataFile:
    """The validated reference file (read once per process)."""
    data = yaml.safe_load(PERSONAL_DATA_FILE.read_text(encoding="utf-8"))
    return PersonalDataFile.model_validate(data)


def categories(kind: Kind) -> list[Category]:
    return list(getattr(personal_data(), kind.value))


@cache
def _by_code(kind: Kind) -> dict[str, Category]:
    return {item.code: item for item in categories(kind)}


@cache
def _by_text(kind: Kind) -> dict[str, str]:
    """Lower-cased code, Dutch label and English label -> code."""
    found: dict[str, str] = {}
    for item in categories(kind):
        for text in (item.code, item.label.nl, item.label.en):
            found[text.lower()] = item.code
    return found


def _english() -> bool:
    return (get_language() or "nl").startswith("en")


def label(kind: Kind, code: str) -> str:
    """The label of ``code`` in the active language; an unknown code is shown as it is."""
    item = _by_code(kind).get(code)
    if item is None:
        return code
    return item.label.en if _english() else item.label.nl


def description(kind: Kind, code: str) -> str:
    item = _by_code(kind).get(code)
    if item is None:
        return ""
    return item.description.en if _english() else item.description.nl


def labels(kind: Kind, codes: list[str]) -> list[str]:
    return [label(kind, code) for code in codes]


def choices(kind: Kind) -> list[tuple[str, str]]:
    """(code, label) in file order, for forms."""
    return [(item.code, label(kind, item.code)) for item in categories(kind)]


def unknown_codes(kind: Kind, codes: list[str]) -> list[str]:
    known = _by_code(kind)
    return [code for code in codes if code not in known]


def in_file_order(kind: Kind, codes: list[str]) -> list[str]:
    """Known codes without duplicates, in the order of the file (so edits compare equal)."""
    wanted = set(codes)
    return [item.code for item in categories(kind) if item.code in wanted]


def lookup(kind: Kind, text: str) -> str | None:
    """The code for a code or a label in either language (case-insensitive), else None."""
    return _by_text(kind).get(text.strip().lower())
