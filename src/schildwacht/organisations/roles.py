"""Role definitions, read from ``data/roles.yaml`` and checked against a schema.

Roles are data, not code: the file says which grants each role has and where it may be held.
Code asks questions of the registry (``role_grants``), never of role names.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, field_validator

ROLES_FILE = Path(__file__).parent / "data" / "roles.yaml"

ACTIONS = {"view", "change", "approve", "advise", "report", "manage"}
AREAS = {
    "all",
    "privacy",
    "own",
    "audit",
    "evidence",
    "incidents",
    "members",
    "sector_aggregates",
    "catalogues",
}


class Role(StrEnum):
    """The role codes of PRODUCT.md; their meaning lives in roles.yaml."""

    BOARD_MEMBER = "board_member"
    SECURITY_OFFICER = "security_officer"
    PRIVACY_OFFICER = "privacy_officer"
    FG = "fg"
    SCHOOL_LEADER = "school_leader"
    STAFF = "staff"
    AUDITOR = "auditor"
    SECTOR_ANALYST = "sector_analyst"
    SECTOR_CURATOR = "sector_curator"


class RoleDefinition(BaseModel):
    """One role as the data file describes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: dict[Literal["nl", "en"], str]
    level: Literal["organisation", "sector"]
    grants: frozenset[str]
    description: dict[Literal["nl", "en"], str]
    reads_up: bool = False

    @field_validator("grants")
    @classmethod
    def _known_grants(cls, grants: frozenset[str]) -> frozenset[str]:
        for grant in grants:
            action, _, area = grant.partition(":")
            if action not in ACTIONS or area not in AREAS:
                raise ValueError(f"unknown grant {grant!r}")
        return grants


class RoleFile(BaseModel):
    """The whole roles file: every role of ``Role`` defined exactly once."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1]
    roles: dict[Role, RoleDefinition] = Field(min_length=len(Role))


@cache
def role_definitions() -> dict[Role, RoleDefinition]:
    """Load and validate the role file once per process."""
    data = yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))
    return RoleFile.model_validate(data).roles


def role_grants(role: str, action: str, area: str) -> bool:
    """Whether ``role`` may do ``action`` on items of ``area`` ("all" covers every area)."""
    grants = role_definitions()[Role(role)].grants
    return f"{action}:{area}" in grants or (
        area not in {"audit", "members", "sector_aggregates", "catalogues"}
        and f"{action}:all" in grants
    )


def is_sector_role(role: str) -> bool:
    return role_definitions()[Role(role)].level == "sector"


def _in_language(texts: dict[Literal["nl", "en"], str]) -> str:
    return texts["en"] if (get_language() or "nl").startswith("en") else texts["nl"]


def role_label(role: str) -> str:
    """The role's name in the active language."""
    return _in_language(role_definitions()[Role(role)].label)


def role_description(role: str) -> str:
    return _in_language(role_definitions()[Role(role)].description)


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, role_label(role)) for role in role_definitions()]
