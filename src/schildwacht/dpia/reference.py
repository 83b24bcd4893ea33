"""The reference data of the DPIA module, read from ``data/`` and checked against a schema.

* ``ap_list.yaml``: the AP's list of processing types for which a DPIA is always mandatory;
* ``criteria.yaml``: the nine criteria of the European DPIA guidelines;
* ``risk_matrix.yaml``: likelihood and impact scales and the levels of their product.

Stored pre-scans and risks point at the codes and values of these files; a code may be added,
never renamed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, model_validator

DATA = Path(__file__).parent / "data"
CODE_PATTERN = r"^[a-z][a-z_]*[a-z]$"
Text = Annotated[str, Field(min_length=1, max_length=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(_Strict):
    """Where a list comes from: its title and publisher (no reference number we cannot vouch for)."""

    title: str = Field(min_length=1, max_length=300)
    publisher: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=2016, le=2100)


def _unique_codes(items: list[ApItem] | list[Criterion]) -> None:
    codes = [item.code for item in items]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValueError(f"duplicate codes: {duplicates}")


class ApItem(_Strict):
    """One type of processing on the AP's list."""

    code: str = Field(pattern=CODE_PATTERN, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    description: Text
    school_example: Text | None = None


class ApList(_Strict):
    schema_version: Literal[1]
    source: Source
    items: list[ApItem] = Field(min_length=17, max_length=17)

    @model_validator(mode="after")
    def _codes(self) -> ApList:
        _unique_codes(self.items)
        return self


class Translated(_Strict):
    nl: str = Field(min_length=1, max_length=120)
    en: str = Field(min_length=1, max_length=120)


class Criterion(_Strict):
    """One of the nine European criteria."""

    code: str = Field(pattern=CODE_PATTERN, max_length=40)
    label: Translated
    explanation: Text

    @property
    def name(self) -> str:
        """The label in the active language."""
        return self.label.en if (get_language() or "nl").startswith("en") else self.label.nl


class CriteriaList(_Strict):
    schema_version: Literal[1]
    source: Source
    items: list[Criterion] = Field(min_length=9, max_length=9)

    @model_validator(mode="after")
    def _codes(self) -> CriteriaList:
        _unique_codes(self.items)
        return self


class ScalePoint(_Strict):
    value: int = Field(ge=1, le=10)
    label: str = Field(min_length=1, max_length=60)
    description: Text


class Level(_Strict):
    code: str = Field(pattern=CODE_PATTERN, max_length=20)
    label: str = Field(min_length=1, max_length=40)
    min_score: int = Field(ge=1)
    high: bool


class RiskMatrix(_Strict):
    """Scales 1..n without gaps; levels ascending from score 1; the top level(s) count as high."""

    schema_version: Literal[1]
    likelihood: list[ScalePoint] = Field(min_length=3, max_length=10)
    impact: list[ScalePoint] = Field(min_length=3, max_length=10)
    levels: list[Level] = Field(min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> RiskMatrix:
        for name in ("likelihood", "impact"):
            values = [point.value for point in getattr(self, name)]
            if values != list(range(1, len(values) + 1)):
                raise ValueError(f"{name} must run 1..n in order, got {values}")
        minima = [level.min_score for level in self.levels]
        if minima[0] != 1 or minima != sorted(set(minima)):
            raise ValueError("levels must start at score 1 and ascend")
        if minima[-1] > self.max_score:
            raise ValueError("a level starts above the highest possible score")
        flags = [level.high for level in self.levels]
        if not flags[-1] or flags != sorted(flags):
            raise ValueError("only the top level(s) may count as high")
        return self

    @property
    def max_score(self) -> int:
        return len(self.likelihood) * len(self.impact)

    def level_for(self, score: int) -> Level:
        """The level of a score (likelihood × impact)."""
        chosen = self.levels[0]
        for level in self.levels:
            if score >= level.min_score:
                chosen = level
        return chosen

    def is_high(self, score: int) -> bool:
        return self.level_for(score).high

    def likelihood_choices(self) -> list[tuple[int, str]]:
        return [(p.value, f"{p.value}. {p.label}") for p in self.likelihood]

    def impact_choices(self) -> list[tuple[int, str]]:
        return [(p.value, f"{p.value}. {p.label}") for p in self.impact]


def _load(name: str) -> object:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@cache
def ap_list() -> ApList:
    return ApList.model_validate(_load("ap_list.yaml"))


@cache
def criteria_list() -> CriteriaList:
    return CriteriaList.model_validate(_load("criteria.yaml"))


@cache
def risk_matrix() -> RiskMatrix:
    return RiskMatrix.model_validate(_load("risk_matrix.yaml"))


def ap_items_by_code() -> dict[str, ApItem]:
    return {item.code: item for item in ap_list().items}


def criteria_by_code() -> dict[str, Criterion]:
    return {item.code: item for item in criteria_list().items}
