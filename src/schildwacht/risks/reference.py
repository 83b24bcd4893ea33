"""The reference data of the risk register, read from ``data/`` and checked against a schema.

* ``matrix.yaml``: the default 5 × 5 matrix: likelihood and impact levels (Dutch and English
  labels, a short description) and the score bands laag/midden/hoog/kritiek with their colours;
* ``templates.yaml``: the sector's starting set of risk-analysis templates.

Stored risks keep their likelihood and impact as numbers 1–5 and templates keep their code; a
band or template code may be added, never renamed.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DATA = Path(__file__).parent / "data"
CODE_PATTERN = r"^[a-z][a-z_]*[a-z]$"
COLOUR_PATTERN = r"^#[0-9a-f]{6}$"
# The matrix is always 5 × 5: boards may rename the levels, never change the scale, so that
# scores stay comparable between boards and over time.
SCALE = range(1, 6)
Text = Annotated[str, Field(min_length=1, max_length=1000)]


def in_language(nl: str, en: str) -> str:
    """The English text when the interface is English, else the Dutch one."""
    return en if (get_language() or "nl").startswith("en") else nl


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Translated(_Strict):
    nl: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)

    @property
    def text(self) -> str:
        return in_language(self.nl, self.en)


class Level(_Strict):
    """One level of likelihood or impact."""

    value: int = Field(ge=1, le=5)
    label: Translated
    description: Translated


def _contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


class Band(_Strict):
    """A score band: scores from ``min_score`` up to the next band's minimum."""

    code: str = Field(pattern=CODE_PATTERN, max_length=20)
    label: Translated
    min_score: int = Field(ge=1, le=25)
    colour: str = Field(pattern=COLOUR_PATTERN)
    text_colour: str = Field(pattern=COLOUR_PATTERN)

    @model_validator(mode="after")
    def _readable(self) -> Band:
        if _contrast(self.text_colour, self.colour) < 4.5:
            raise ValueError(f"band {self.code}: text colour contrast below 4.5:1")
        return self


class Matrix(_Strict):
    """Levels 1..5 in order for both axes; bands ascending from score 1."""

    schema_version: Literal[1]
    likelihood: list[Level] = Field(min_length=5, max_length=5)
    impact: list[Level] = Field(min_length=5, max_length=5)
    bands: list[Band] = Field(min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> Matrix:
        for name in ("likelihood", "impact"):
            values = [level.value for level in getattr(self, name)]
            if values != list(SCALE):
                raise ValueError(f"{name} must run 1..5 in order, got {values}")
        minima = [band.min_score for band in self.bands]
        if minima[0] != 1 or minima != sorted(set(minima)):
            raise ValueError("bands must start at score 1 and ascend")
        codes = [band.code for band in self.bands]
        if len(set(codes)) != len(codes):
            raise ValueError(f"duplicate band codes: {codes}")
        return self

    def band_for(self, score: int) -> Band:
        """The band of a score (likelihood × impact)."""
        chosen = self.bands[0]
        for band in self.bands:
            if score >= band.min_score:
                chosen = band
        return chosen

    def band_range(self, code: str) -> tuple[int, int]:
        """The lowest and highest score of band ``code`` (KeyError when unknown)."""
        for index, band in enumerate(self.bands):
            if band.code == code:
                upper = self.bands[index + 1].min_score - 1 if index + 1 < len(self.bands) else 25
                return band.min_score, upper
        raise KeyError(code)

    def band_codes(self) -> list[str]:
        return [band.code for band in self.bands]


class Exposure(_Strict):
    """A yearly financial exposure range in whole euros."""

    min: int = Field(ge=0, le=100_000_000)
    max: int = Field(ge=0, le=100_000_000)

    @model_validator(mode="after")
    def _ordered(self) -> Exposure:
        if self.min > self.max:
            raise ValueError("exposure min above max")
        return self


class Template(_Strict):
    """One risk-analysis template of the sector's starting set."""

    code: str = Field(pattern=CODE_PATTERN, max_length=40)
    title: Translated
    threat: Text
    description: Text
    assets: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1)
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    measures: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(min_length=1)
    exposure: Exposure

    @field_validator("threat", "description")
    @classmethod
    def _sentence(cls, text: str) -> str:
        if not re.search(r"[.!?]$", text):
            raise ValueError("write a whole sentence (ending with a full stop)")
        return text


class TemplateFile(_Strict):
    schema_version: Literal[1]
    templates: list[Template] = Field(min_length=7)

    @model_validator(mode="after")
    def _codes(self) -> TemplateFile:
        codes = [template.code for template in self.templates]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"duplicate codes: {duplicates}")
        return self


def _load(name: str) -> object:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@cache
def default_matrix() -> Matrix:
    return Matrix.model_validate(_load("matrix.yaml"))


@cache
def template_file() -> TemplateFile:
    return TemplateFile.model_validate(_load("templates.yaml"))
