"""The schema of ``data/demo.yaml``: the fictional demo sector, its boards, schools and accounts."""

from __future__ import annotations

import base64
import binascii
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


class BoardData(_Strict):
    key: str = Field(pattern=_KEY)
    name: str = Field(min_length=1, max_length=200)
    bevoegd_gezag_number: str = Field(pattern=r"^\d{5}$")
    schools: list[SchoolData]


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


class DemoData(_Strict):
    """The whole demo file; keys are unique and every membership names a known organisation."""

    schema_version: Literal[1]
    sector: SectorData
    boards: list[BoardData] = Field(min_length=1)
    accounts: list[AccountData] = Field(min_length=1)

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
        return self


def load_demo_data(path: Path = DEMO_FILE) -> DemoData:
    """Read and validate the demo file (pydantic raises a ValidationError naming each problem)."""
    return DemoData.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
