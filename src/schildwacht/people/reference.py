"""Which norms and domains of the normenkader exercises, trainings and phishing simulations
feed: ``data/domains.yaml`` with its schema.

A link names a subject ("exercise", "training", "phishing") and kind, and the norm ids and
domain codes it is evidence for. A domain code is the part and number of a domain ("IB-4"),
stable across editions of the normenkader while norms are added to it. Every norm id and domain
must exist in the shipped normenkader file the link file names (checked when read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from schildwacht.frameworks.loader import DATA_DIR as FRAMEWORK_DIR
from schildwacht.frameworks.loader import read_framework
from schildwacht.frameworks.schema import FrameworkFile
from schildwacht.people.models import ExerciseKind, TrainingKind

DOMAINS_FILE = Path(__file__).parent / "data" / "domains.yaml"
DOMAIN_CODE = r"^(IB|privacy)-\d{1,2}$"
PHISHING_KIND = "campaign"

Subject = Literal["exercise", "training", "phishing"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Texts(_Strict):
    nl: str = Field(min_length=1, max_length=500)
    en: str = Field(min_length=1, max_length=500)

    def current(self) -> str:
        return self.en if (get_language() or "nl").startswith("en") else self.nl


class Link(_Strict):
    """One kind of exercise, training or the phishing simulations, and what it is evidence for."""

    subject: Subject
    kind: str
    norms: list[str] = []
    domains: list[str] = []
    why: Texts

    @model_validator(mode="after")
    def _known_kind_and_target(self) -> Link:
        kinds = {
            "exercise": set(ExerciseKind.values),
            "training": set(TrainingKind.values),
            "phishing": {PHISHING_KIND},
        }[self.subject]
        if self.kind not in kinds:
            raise ValueError(f"unknown {self.subject} kind {self.kind!r}")
        if not self.norms and not self.domains:
            raise ValueError(f"{self.subject} {self.kind} links to no norm and no domain")
        return self

    @field_validator("norms")
    @classmethod
    def _known_norms(cls, norms: list[str], info: ValidationInfo) -> list[str]:
        known = (info.context or {}).get("norm_ids")
        unknown = sorted(set(norms) - known) if known is not None else []
        if unknown:
            raise ValueError(f"norm ids not in the normenkader: {', '.join(unknown)}")
        return norms

    @field_validator("domains")
    @classmethod
    def _known_domains(cls, domains: list[str], info: ValidationInfo) -> list[str]:
        bad = [code for code in domains if not re.match(DOMAIN_CODE, code)]
        if bad:
            raise ValueError(f"domain codes look like IB-4 or privacy-2: {', '.join(bad)}")
        known = (info.context or {}).get("domains")
        unknown = sorted(set(domains) - known) if known is not None else []
        if unknown:
            raise ValueError(f"domains not in the normenkader: {', '.join(unknown)}")
        return domains


class LinksFile(_Strict):
    schema_version: Literal[1]
    framework: str
    links: list[Link] = Field(min_length=1)

    @field_validator("links")
    @classmethod
    def _unique(cls, links: list[Link]) -> list[Link]:
        keys = [(link.subject, link.kind) for link in links]
        doubled = sorted({f"{s} {k}" for s, k in keys if keys.count((s, k)) > 1})
        if doubled:
            raise ValueError(f"listed twice: {', '.join(doubled)}")
        return links


def domain_code(part: str, number: int) -> str:
    return f"{part}-{number}"


def newest_framework(slug: str, directory: Path = FRAMEWORK_DIR) -> FrameworkFile:
    """The newest shipped version of normenkader ``slug`` (ValueError when there is none)."""
    versions = sorted(
        (read_framework(path).data for path in directory.glob(f"{slug}-*.yaml")),
        key=lambda framework: framework.version,
    )
    if not versions:
        raise ValueError(f"no shipped normenkader {slug!r}")
    return versions[-1]


def parse_links(text: str, framework: FrameworkFile | None) -> LinksFile:
    """Parse and check link YAML; with ``framework``, against its norm ids and domains."""
    context = None
    if framework is not None:
        context = {
            "norm_ids": framework.norm_ids(),
            "domains": {domain_code(d.part, d.number) for d in framework.domains},
        }
    return LinksFile.model_validate(yaml.safe_load(text), context=context)


@cache
def links() -> LinksFile:
    """The shipped links, checked against the shipped normenkader, read once per process."""
    text = DOMAINS_FILE.read_text(encoding="utf-8")
    slug = yaml.safe_load(text).get("framework", "")
    return parse_links(text, newest_framework(slug))


@dataclass(frozen=True)
class Evidence:
    """The kinds of each subject that are evidence for one norm."""

    exercise_kinds: frozenset[str]
    training_kinds: frozenset[str]
    phishing: bool

    def __bool__(self) -> bool:
        return bool(self.exercise_kinds or self.training_kinds or self.phishing)


def evidence_kinds(norm_id: str, domain: str | None) -> Evidence:
    """What feeds norm ``norm_id`` (in domain ``domain``, e.g. "IB-6"): linked by id or domain."""
    found: dict[str, set[str]] = {"exercise": set(), "training": set(), "phishing": set()}
    for link in links().links:
        if norm_id in link.norms or (domain is not None and domain in link.domains):
            found[link.subject].add(link.kind)
    return Evidence(
        frozenset(found["exercise"]), frozenset(found["training"]), bool(found["phishing"])
    )


def links_for(subject: Subject, kind: str) -> Link | None:
    """The link of one kind (for the "feeds these domains" line on a page)."""
    return next((ln for ln in links().links if ln.subject == subject and ln.kind == kind), None)
