"""Response and request shapes shared by the API routers."""

from __future__ import annotations

from typing import Literal

from ninja import Schema


class MembershipOut(Schema):
    organisation: int
    name: str
    kind: Literal["sector", "board", "school"]
    role: str
    role_label: str


class TokenOut(Schema):
    name: str
    read_only: bool
    organisations: list[int]


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    memberships: list[MembershipOut]
    token: TokenOut | None


class OrganisationOut(Schema):
    id: int
    name: str
    kind: Literal["sector", "board", "school"]
    parent: int | None
    bevoegd_gezag_number: str
    brin: str
    vestiging: str


class ErrorOut(Schema):
    detail: str
