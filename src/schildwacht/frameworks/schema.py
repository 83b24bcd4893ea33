"""The schemas of the catalogue files under ``data/``: frameworks, basismaatregelen, groeipad.

A framework file holds one version of one framework (``<id>-<version>.yaml``). What is not known
is left empty rather than guessed: a domain whose prefix or name was never confirmed has ``null``,
a norm known only by its id has ``title: null`` and a descriptive title that says it is not the
official one. The file declares how many norms the official framework has, so the product can
say how incomplete it is.

The basismaatregelen and the groeipad refer to norm ids and sub-project codes; those references
are checked against the shipped files through the validation context (see ``loader``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from schildwacht.organisations.roles import Role

NORM_ID_PATTERN = r"^[A-Z]{2}\.\d{2}$"
PREFIX_PATTERN = r"^[A-Z]{2}$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SUBPROJECT_PATTERN = r"^[1-9]\d*\.[1-9]\d*$"
INDICATOR_PATTERN = r"^[a-z][a-z_]*\.[a-z][a-z_]*$"
MATURITY_LEVELS = (1, 2, 3, 4, 5)

Part = Literal["IB", "privacy"]
# "imported": the official title came from the sector curator's import of the official list.
Confidence = Literal["confirmed", "inferred", "id_only", "imported"]
Level = Literal[1, 2, 3, 4, 5]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Translated(_Strict):
    """A name in both interface languages."""

    nl: str = Field(min_length=1, max_length=100)
    en: str = Field(min_length=1, max_length=100)


class Source(_Strict):
    publisher: str = Field(min_length=1, max_length=200)
    url: str = Field(pattern=r"^https://", max_length=500)


class MaturityLevelData(_Strict):
    level: Level
    name: Translated
    description: LongText


class MaturityScale(_Strict):
    """Levels 1..5 in order; the target level is the sector minimum (Bepaald)."""

    levels: list[MaturityLevelData]
    target_level: Level

    @model_validator(mode="after")
    def _all_levels_in_order(self) -> MaturityScale:
        if tuple(level.level for level in self.levels) != MATURITY_LEVELS:
            raise ValueError("maturity levels must be exactly 1, 2, 3, 4, 5 in that order")
        return self


class Raci(_Strict):
    """Who does what per domain. Accountable is always the school board.

    Responsible, consulted and informed are role codes of roles.yaml (shown with the role's
    label) or free text for parties without a role in Schildwacht (e.g. "ICT-leverancier").
    ``official`` says whether the division comes from the framework or is Schildwacht's proposal.
    """

    accountable: Literal["board"] = "board"
    responsible: list[str] = Field(min_length=1)
    consulted: list[str] = []
    informed: list[str] = []
    official: bool = False

    @field_validator("responsible", "consulted", "informed")
    @classmethod
    def _no_empty_parties(cls, parties: list[str]) -> list[str]:
        if any(not party.strip() for party in parties):
            raise ValueError("a RACI party may not be empty")
        return parties


class NormData(_Strict):
    """One norm. ``title`` is the official short title or null when it is not known.

    ``descriptive_title`` is our own title for a norm whose official title is unknown; the
    product shows it marked as "(geen officiële titel)".
    """

    id: str = Field(pattern=NORM_ID_PATTERN)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    title_is_official: bool
    descriptive_title: str | None = Field(default=None, min_length=1, max_length=200)
    confidence: Confidence
    source_url: str | None = Field(default=None, pattern=r"^https://", max_length=500)
    description: LongText
    criteria: dict[Level, str] = {}
    references: list[str] = []

    @model_validator(mode="after")
    def _title_and_confidence_agree(self) -> NormData:
        if self.title_is_official and self.title is None:
            raise ValueError(f"{self.id}: title_is_official is true but there is no title")
        if not self.title_is_official:
            if self.title is not None:
                raise ValueError(
                    f"{self.id}: a title that is not official goes in descriptive_title"
                )
            if self.descriptive_title is None:
                raise ValueError(f"{self.id}: a norm without official title needs one")
        if (self.confidence == "id_only") == self.title_is_official:
            raise ValueError(
                f"{self.id}: confidence id_only means no official title, and the other way round"
            )
        if self.criteria and tuple(sorted(self.criteria)) != MATURITY_LEVELS:
            raise ValueError(f"{self.id}: criteria must cover every level 1-5, or none")
        if any(not text.strip() for text in self.criteria.values()):
            raise ValueError(f"{self.id}: a criterion may not be empty")
        return self

    @property
    def display_title(self) -> str:
        return self.title or self.descriptive_title or self.id


class DomainData(_Strict):
    """A domain of one part (IB or privacy); prefix and name are null when not confirmed."""

    number: int = Field(ge=1, le=99)
    part: Part
    prefix: str | None = Field(default=None, pattern=PREFIX_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: LongText
    raci: Raci
    norms: list[NormData] = []

    @model_validator(mode="after")
    def _norms_carry_the_prefix(self) -> DomainData:
        for norm in self.norms:
            if self.prefix is None:
                raise ValueError(
                    f"norm {norm.id} is in {self.part} domain {self.number}, which has no prefix"
                )
            if not norm.id.startswith(f"{self.prefix}."):
                raise ValueError(
                    f"norm {norm.id} does not match the prefix {self.prefix} of "
                    f"{self.part} domain {self.number}"
                )
        return self


class Completeness(_Strict):
    """How many norms the official framework has per part, against what this file ships."""

    declared: dict[Part, int]
    complete: bool
    note: LongText

    @field_validator("declared")
    @classmethod
    def _positive(cls, declared: dict[Part, int]) -> dict[Part, int]:
        if any(count < 1 for count in declared.values()):
            raise ValueError("declared norm counts must be positive")
        return declared

    @property
    def declared_total(self) -> int:
        return sum(self.declared.values())


class FrameworkFile(_Strict):
    """One version of one framework, as shipped in ``data/<id>-<version>.yaml``."""

    schema_version: Literal[1]
    id: str = Field(pattern=SLUG_PATTERN, max_length=64)
    version: dt.date
    locale: Literal["nl", "en"]
    name: str = Field(min_length=1, max_length=200)
    source: Source
    completeness: Completeness
    notes: str = ""
    maturity: MaturityScale
    domains: list[DomainData] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> FrameworkFile:
        seen_domains: set[tuple[str, int]] = set()
        seen_prefixes: set[str] = set()
        seen_norms: set[str] = set()
        for domain in self.domains:
            key = (domain.part, domain.number)
            if key in seen_domains:
                raise ValueError(f"duplicate domain: {domain.part} {domain.number}")
            seen_domains.add(key)
            if domain.prefix is not None:
                if domain.prefix in seen_prefixes:
                    raise ValueError(f"duplicate domain prefix: {domain.prefix}")
                seen_prefixes.add(domain.prefix)
            for norm in domain.norms:
                if norm.id in seen_norms:
                    raise ValueError(f"duplicate norm id: {norm.id}")
                seen_norms.add(norm.id)
        for part, declared in self.completeness.declared.items():
            shipped = sum(len(d.norms) for d in self.domains if d.part == part)
            if shipped > declared:
                raise ValueError(f"{part}: {shipped} norms shipped but only {declared} declared")
        parts = {d.part for d in self.domains}
        if parts - set(self.completeness.declared):
            raise ValueError("every part with domains needs a declared norm count")
        if self.completeness.complete != (self.norm_count == self.completeness.declared_total):
            raise ValueError(
                f"completeness.complete is {self.completeness.complete}, but the file ships "
                f"{self.norm_count} of {self.completeness.declared_total} declared norms"
            )
        return self

    @property
    def norm_count(self) -> int:
        return sum(len(domain.norms) for domain in self.domains)

    def norm_ids(self) -> set[str]:
        return {norm.id for domain in self.domains for norm in domain.norms}


class SubProjectData(_Strict):
    """A sub-project ``<phase>.<n>``; ``official`` when the number and subject are confirmed."""

    code: str = Field(pattern=SUBPROJECT_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    description: LongText
    official: bool


class PhaseData(_Strict):
    number: int = Field(ge=1, le=20)
    name: str = Field(min_length=1, max_length=200)
    description: LongText
    subprojects: list[SubProjectData] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_in_phase(self) -> PhaseData:
        for sub in self.subprojects:
            if sub.code.split(".")[0] != str(self.number):
                raise ValueError(f"sub-project {sub.code} is not in phase {self.number}")
        return self


class GroeipadFile(_Strict):
    """A groeipad: phases of numbered sub-projects. ``official`` false marks our own proposal."""

    schema_version: Literal[1]
    id: str = Field(pattern=SLUG_PATTERN, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    official: bool
    description: LongText
    phases: list[PhaseData] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> GroeipadFile:
        numbers = [phase.number for phase in self.phases]
        if len(numbers) != len(set(numbers)):
            raise ValueError("duplicate phase number")
        codes = self.codes_list()
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"duplicate sub-project code: {', '.join(duplicates)}")
        return self

    def codes_list(self) -> list[str]:
        return [sub.code for phase in self.phases for sub in phase.subprojects]

    def codes(self) -> set[str]:
        return set(self.codes_list())


class BasismaatregelData(_Strict):
    """One of Kennisnet's eleven basismaatregelen, with what it links to.

    ``norms`` are ids of the framework named in the file; ``groeipad`` are sub-project codes of
    the shipped groeipad; ``indicator`` names the later module and figure that will feed it.
    """

    number: int = Field(ge=1, le=11)
    title: str = Field(min_length=1, max_length=200)
    description: LongText
    norms: list[str] = Field(min_length=1)
    groeipad: list[str] = []
    indicator: str = Field(pattern=INDICATOR_PATTERN, max_length=64)

    @field_validator("norms")
    @classmethod
    def _known_norms(cls, norms: list[str], info: ValidationInfo) -> list[str]:
        known: set[str] | None = (info.context or {}).get("norm_ids")
        if known is None:
            raise ValueError("norm ids can only be checked against a framework (context)")
        unknown = [norm for norm in norms if norm not in known]
        if unknown:
            raise ValueError(f"unknown norm id: {', '.join(unknown)}")
        if len(norms) != len(set(norms)):
            raise ValueError("a norm is linked twice")
        return norms

    @field_validator("groeipad")
    @classmethod
    def _known_subprojects(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        known: set[str] | None = (info.context or {}).get("subprojects")
        if known is None:
            raise ValueError("sub-projects can only be checked against a groeipad (context)")
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ValueError(f"unknown groeipad sub-project: {', '.join(unknown)}")
        return codes


class BasismaatregelenFile(_Strict):
    """All eleven basismaatregelen, numbered 1..11, linked to one framework's norms."""

    schema_version: Literal[1]
    framework: str = Field(pattern=SLUG_PATTERN)
    source: Source
    measures: list[BasismaatregelData]

    @model_validator(mode="after")
    def _all_eleven(self) -> BasismaatregelenFile:
        numbers = [measure.number for measure in self.measures]
        if numbers != list(range(1, 12)):
            raise ValueError("the basismaatregelen are numbered 1 to 11, each once, in order")
        return self


# Role codes are shown with their label; anything else in a RACI is free text.
ROLE_CODES = frozenset(role.value for role in Role)
