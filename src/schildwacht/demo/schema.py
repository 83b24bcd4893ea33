"""The schema of ``data/demo.yaml``: the fictional demo sector, its boards, schools and accounts."""

from __future__ import annotations

import base64
import binascii
import re
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schildwacht.organisations.roles import Role

DEMO_FILE = Path(__file__).parent / "data" / "demo.yaml"

_KEY = r"^[a-z0-9][a-z0-9-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectorData(_Strict):
    key: str = Field(pattern=_KEY)
    name: str = Field(min_length=1, max_length=200)


class SchoolData(_Strict):
    key: str = Field(pattern=_KEY)
    name: str = Field(min_length=1, max_length=200)
    brin: str = Field(pattern=r"^\d{2}[A-Z]{2}$")
    vestiging: str = Field(pattern=r"^\d{2}$")


class LandscapeData(_Strict):
    """Which application landscape a board gets (po or vo; registers/ and suppliers/ keep the
    details) and which of its applications has a finished DPIA and which still needs one."""

    level: Literal["po", "vo"]
    dpia_done: str = Field(min_length=1)
    dpia_missing: str = Field(min_length=1)


class BoardData(_Strict):
    key: str = Field(pattern=_KEY)
    name: str = Field(min_length=1, max_length=200)
    bevoegd_gezag_number: str = Field(pattern=r"^\d{5}$")
    schools: list[SchoolData]
    landscape: LandscapeData | None = None


class MembershipData(_Strict):
    organisation: str = Field(pattern=_KEY)
    role: Role


class AccountData(_Strict):
    email: str = Field(pattern=r"^[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]+$")
    full_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=12)
    totp_secret: str  # base32, as authenticator apps take it
    memberships: list[MembershipData] = Field(min_length=1)

    @field_validator("totp_secret")
    @classmethod
    def _base32(cls, value: str) -> str:
        try:
            raw = base64.b32decode(value, casefold=False)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("totp_secret must be base32") from exc
        if len(raw) < 16:
            raise ValueError("totp_secret must hold at least 128 bits")
        return value

    @property
    def totp_secret_hex(self) -> str:
        """The secret as stored on the AuthenticatorDevice (hex)."""
        return base64.b32decode(self.totp_secret).hex()


class MetingRoundData(_Strict):
    """One meting of a series: its title, age, status and a level per domain (by norm prefix).

    A norm's level is its domain's level plus the series' ``variation`` for that norm, rounded
    half up and kept within 1–5, so the data stays fixed and readable (no randomness at run time).
    """

    title: str = Field(min_length=1, max_length=200)
    months_ago: int = Field(ge=0, le=60)
    status: Literal["draft", "in_review", "approved"]
    levels: dict[str, float] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        for prefix, level in value.items():
            if not 1 <= level <= 5:
                raise ValueError(f"level of {prefix} must lie between 1 and 5")
        return value


class MetingSeriesData(_Strict):
    """The metingen of one demo organisation, oldest first; each next one copies the previous."""

    organisation: str = Field(pattern=_KEY)
    framework: str = "normenkader-ibp-fo"
    variation: list[int] = Field(default=[0], min_length=1)
    not_applicable: dict[str, str] = Field(default_factory=dict)
    rounds: list[MetingRoundData] = Field(min_length=1)

    @model_validator(mode="after")
    def _oldest_first(self) -> MetingSeriesData:
        ages = [r.months_ago for r in self.rounds]
        if ages != sorted(ages, reverse=True) or len(set(ages)) != len(ages):
            raise ValueError(f"{self.organisation}: rounds must run from oldest to newest")
        if any(not reason.strip() for reason in self.not_applicable.values()):
            raise ValueError(f"{self.organisation}: every N/A norm needs a reason")
        return self


MeasureStatusName = Literal["open", "in_progress", "done", "cancelled"]


class MeasureData(_Strict):
    """One demo measure. Dates are offsets in days from the day the demo is loaded, so a measure
    with an active status and a negative ``due_in_days`` is overdue whenever the demo runs.

    ``owner`` is the e-mail address of a demo account; ``owner_name`` a free-text owner (for
    example a supplier). ``done_days_ago`` dates a done measure's completion in the past.
    """

    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    owner: str | None = None
    owner_name: str = Field(default="", max_length=200)
    status: MeasureStatusName = "open"
    due_in_days: int | None = Field(default=None, ge=-730, le=1460)
    done_days_ago: int | None = Field(default=None, ge=0, le=730)
    effort: Literal["", "S", "M", "L", "XL"] = ""
    cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    groeipad: str = Field(default="", pattern=r"^([1-9]\d*\.[1-9]\d*)?$")
    norms: list[str] = Field(default_factory=list)
    basismaatregelen: list[int] = Field(default_factory=list)

    @field_validator("norms")
    @classmethod
    def _norm_ids(cls, value: list[str]) -> list[str]:
        bad = [norm_id for norm_id in value if not re.fullmatch(r"[A-Z]{2}\.\d{2}", norm_id)]
        if bad:
            raise ValueError(f"not a norm id: {', '.join(bad)}")
        if len(set(value)) != len(value):
            raise ValueError("a norm is listed twice")
        return value

    @field_validator("basismaatregelen")
    @classmethod
    def _numbers(cls, value: list[int]) -> list[int]:
        if any(not 1 <= number <= 11 for number in value):
            raise ValueError("basismaatregelen are numbered 1 to 11")
        if len(set(value)) != len(value):
            raise ValueError("a basismaatregel is listed twice")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MeasureData:
        if self.owner is not None and self.owner_name:
            raise ValueError(f"{self.title}: give owner or owner_name, not both")
        if self.done_days_ago is not None and self.status != "done":
            raise ValueError(f"{self.title}: done_days_ago belongs on a done measure only")
        return self

    @property
    def overdue(self) -> bool:
        """Whether the measure is overdue on any day the demo is loaded."""
        active = self.status in {"open", "in_progress"}
        return active and self.due_in_days is not None and self.due_in_days < 0


class PlanData(_Strict):
    """The demo plan of one board or school; measure titles are unique (they identify them)."""

    organisation: str = Field(pattern=_KEY)
    measures: list[MeasureData] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_titles(self) -> PlanData:
        titles = [m.title for m in self.measures]
        duplicates = sorted({t for t in titles if titles.count(t) > 1})
        if duplicates:
            raise ValueError(f"{self.organisation}: duplicate measure title {duplicates[0]!r}")
        return self


class DemoData(_Strict):
    """The whole demo file; keys are unique and every membership names a known organisation."""

    schema_version: Literal[1]
    sector: SectorData
    boards: list[BoardData] = Field(min_length=1)
    accounts: list[AccountData] = Field(min_length=1)
    metingen: list[MetingSeriesData] = Field(default_factory=list)
    maatregelen: list[PlanData] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> DemoData:
        keys = (
            [self.sector.key]
            + [b.key for b in self.boards]
            + [s.key for b in self.boards for s in b.schools]
        )
        if len(keys) != len(set(keys)):
            raise ValueError("organisation keys must be unique")
        emails = [a.email for a in self.accounts]
        if len(emails) != len(set(emails)):
            raise ValueError("account e-mail addresses must be unique")
        for account in self.accounts:
            for membership in account.memberships:
                if membership.organisation not in keys:
                    raise ValueError(
                        f"{account.email}: unknown organisation {membership.organisation!r}"
                    )
                sector_role = membership.role in {Role.SECTOR_ANALYST, Role.SECTOR_CURATOR}
                if sector_role != (membership.organisation == self.sector.key):
                    raise ValueError(f"{account.email}: sector roles belong on the sector only")
        for series in self.metingen:
            if series.organisation not in keys or series.organisation == self.sector.key:
                raise ValueError(f"metingen: unknown organisation {series.organisation!r}")
        self._check_plans(keys)
        return self

    def _check_plans(self, keys: list[str]) -> None:
        """Every plan names a board or school once; every owner reads that organisation's plan
        through a membership on it or on the board above it (the services check the role)."""
        board_of = {s.key: b.key for b in self.boards for s in b.schools}
        memberships = {a.email: {m.organisation for m in a.memberships} for a in self.accounts}
        seen: set[str] = set()
        for plan in self.maatregelen:
            if plan.organisation not in keys or plan.organisation == self.sector.key:
                raise ValueError(f"maatregelen: unknown organisation {plan.organisation!r}")
            if plan.organisation in seen:
                raise ValueError(f"maatregelen: {plan.organisation!r} has two plans")
            seen.add(plan.organisation)
            reach = {plan.organisation, board_of.get(plan.organisation, plan.organisation)}
            for measure in plan.measures:
                if measure.owner is None:
                    continue
                if measure.owner not in memberships:
                    raise ValueError(f"{measure.title}: unknown owner {measure.owner!r}")
                if not memberships[measure.owner] & reach:
                    raise ValueError(
                        f"{measure.title}: owner {measure.owner!r} is no member of "
                        f"{plan.organisation!r} or its board"
                    )


def load_demo_data(path: Path = DEMO_FILE) -> DemoData:
    """Read and validate the demo file (pydantic raises a ValidationError naming each problem)."""
    return DemoData.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
