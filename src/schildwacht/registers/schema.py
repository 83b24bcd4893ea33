"""The schema of ``data/personal_data.yaml``: categories of personal data and of data subjects.

Codes are what the registers store; they never change once shipped. Labels must not contain a
comma or semicolon, because an import cell lists several categories separated by those.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CODE_PATTERN = r"^[a-z][a-z_]*[a-z]$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Label(_Strict):
    """A short name in both interface languages."""

    nl: str = Field(min_length=2, max_length=60)
    en: str = Field(min_length=2, max_length=60)

    @field_validator("nl", "en")
    @classmethod
    def _no_separators(cls, value: str) -> str:
        if "," in value or ";" in value:
            raise ValueError("a label may not contain a comma or semicolon")
        return value


class Description(_Strict):
    nl: str = Field(min_length=10, max_length=300)
    en: str = Field(min_length=10, max_length=300)


class Category(_Strict):
    """One category: a stable code, its label and what it covers."""

    code: str = Field(pattern=CODE_PATTERN, max_length=30)
    label: Label
    description: Description


class SpecialCategory(Category):
    """A special category of AVG art. 9, or criminal data (art. 10)."""

    article: Literal["9", "10"]


class PersonalDataFile(_Strict):
    """The whole file: three lists, every code unique across all of them."""

    schema_version: Literal[1]
    data_categories: list[Category] = Field(min_length=1)
    special_categories: list[SpecialCategory] = Field(min_length=1)
    data_subjects: list[Category] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> PersonalDataFile:
        seen_codes: set[str] = set()
        for kind in ("data_categories", "special_categories", "data_subjects"):
            labels: set[str] = set()
            for item in getattr(self, kind):
                if item.code in seen_codes:
                    raise ValueError(f"code {item.code!r} occurs twice")
                seen_codes.add(item.code)
                # Imports look categories up by label within one list; an item may use the
                # same word in both languages.
                own = {item.label.nl.lower(), item.label.en.lower()}
                if own & labels:
                    raise ValueError(f"label {sorted(own & labels)[0]!r} occurs twice in {kind}")
                labels |= own
        return self
