"""The reference data of the incidents module, read from ``data/reference.yaml`` with a schema.

Lists of breach types, kinds of data, groups of people and the factors of the assessment.
Incidents store the codes; a code may be added, never renamed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, model_validator

REFERENCE_FILE = Path(__file__).parent / "data" / "reference.yaml"
CODE_PATTERN = r"^[a-z][a-z_]*[a-z]$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Translated(_Strict):
    nl: str = Field(min_length=1, max_length=160)
    en: str = Field(min_length=1, max_length=160)


class Item(_Strict):
    """One entry of a list: a stable code and its label in both languages."""

    code: str = Field(pattern=CODE_PATTERN, max_length=40)
    label: Translated

    @property
    def name(self) -> str:
        return self.label.en if (get_language() or "nl").startswith("en") else self.label.nl


class Factor(Item):
    """A factor of the assessment and what it points to."""

    weight: Literal["risk", "high"]


def _unique(items: list[Item] | list[Factor], what: str) -> None:
    codes = [item.code for item in items]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValueError(f"duplicate codes in {what}: {duplicates}")


class Reference(_Strict):
    schema_version: Literal[1]
    breach_types: list[Item] = Field(min_length=1)
    data_kinds: list[Item] = Field(min_length=1)
    subject_groups: list[Item] = Field(min_length=1)
    factors: list[Factor] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes(self) -> Reference:
        _unique(self.breach_types, "breach_types")
        _unique(self.data_kinds, "data_kinds")
        _unique(self.subject_groups, "subject_groups")
        _unique(self.factors, "factors")
        return self

    def choices(self, name: str) -> list[tuple[str, str]]:
        """(code, label) pairs of list ``name`` in the active language."""
        items: list[Item] = list(getattr(self, name))
        return [(item.code, item.name) for item in items]

    def labels(self, name: str, codes: list[str]) -> list[str]:
        """The labels of ``codes`` in the order of the list (unknown codes kept as they are)."""
        items: list[Item] = list(getattr(self, name))
        known = {item.code: item.name for item in items}
        ordered = [known[item.code] for item in items if item.code in codes]
        return ordered + [code for code in codes if code not in known]

    def weights(self, codes: list[str]) -> list[str]:
        return [factor.weight for factor in self.factors if factor.code in codes]


@cache
def reference() -> Reference:
    """Load and check the reference file once per process."""
    data = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    return Reference.model_validate(data)


def labels_for(
    breach_types: list[str], data_kinds: list[str], subject_groups: list[str]
) -> dict[str, list[str]]:
    """The labels of an incident's code lists, for its page, the documents and the export."""
    ref = reference()
    return {
        "breach_types": ref.labels("breach_types", breach_types),
        "data_kinds": ref.labels("data_kinds", data_kinds),
        "subject_groups": ref.labels("subject_groups", subject_groups),
    }
