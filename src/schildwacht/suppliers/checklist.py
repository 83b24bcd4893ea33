"""The review checklist for processing agreements: ``data/checklist.yaml`` with its schema.

Reviews store item codes, never titles, so a text can be improved without touching reviews;
a code, once shipped, keeps its meaning. The file is read and checked once per process.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, field_validator

CHECKLIST_FILE = Path(__file__).parent / "data" / "checklist.yaml"
CODE_PATTERN = r"^[a-z][a-z_]{1,39}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Texts(_Strict):
    """One text in both interface languages."""

    nl: str = Field(min_length=1, max_length=1000)
    en: str = Field(min_length=1, max_length=1000)

    def current(self) -> str:
        """The text in the active language (Dutch unless English is chosen)."""
        return self.en if (get_language() or "nl").startswith("en") else self.nl


class ChecklistItem(_Strict):
    """One thing a reviewer looks for in an agreement."""

    code: str = Field(pattern=CODE_PATTERN)
    title: Texts
    guidance: Texts


class ChecklistFile(_Strict):
    schema_version: Literal[1]
    items: list[ChecklistItem] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _unique_codes(cls, items: list[ChecklistItem]) -> list[ChecklistItem]:
        codes = [item.code for item in items]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"duplicate item codes: {', '.join(duplicates)}")
        return items


def parse_checklist(text: str) -> ChecklistFile:
    """Parse and validate checklist YAML (raises ``pydantic.ValidationError``)."""
    return ChecklistFile.model_validate(yaml.safe_load(text))


@cache
def checklist() -> tuple[ChecklistItem, ...]:
    """The shipped checklist items in order, read once per process."""
    return tuple(parse_checklist(CHECKLIST_FILE.read_text(encoding="utf-8")).items)


def checklist_codes() -> tuple[str, ...]:
    return tuple(item.code for item in checklist())


def checklist_item(code: str) -> ChecklistItem | None:
    return next((item for item in checklist() if item.code == code), None)
