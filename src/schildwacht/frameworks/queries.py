"""Reads of the catalogue for pages and the API, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from schildwacht.frameworks.models import (
    Basismaatregel,
    Domain,
    Framework,
    Groeipad,
    GroeipadPhase,
    GroeipadSubProject,
    Norm,
)
from schildwacht.frameworks.schema import ROLE_CODES
from schildwacht.organisations.roles import role_label
from schildwacht.organisations.scoping import sector_ids


def is_curator(user: Any) -> bool:
    """Whether ``user`` keeps the sector's catalogues (and so sees confidence and sources)."""
    return bool(sector_ids(user, "manage", "catalogues"))


def frameworks_for_user(user: Any) -> QuerySet[Framework]:
    """Every framework edition with its number of shipped norms (``norm_count``)."""
    return Framework.objects.for_user(user).annotate(norm_count=Count("norms"))


def framework_for_user(user: Any, pk: int) -> Framework:
    """One framework edition with its domains and their norms prefetched, or Http404."""
    framework = (
        frameworks_for_user(user)
        .prefetch_related(
            Prefetch(
                "domains",
                queryset=Domain.objects.order_by("part", "number").prefetch_related(
                    Prefetch("norms", queryset=Norm.objects.order_by("norm_id"))
                ),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if framework is None:
        raise Http404
    return framework


def basismaatregelen_for_user(user: Any) -> list[Basismaatregel]:
    return list(Basismaatregel.objects.for_user(user).order_by("number"))


def norm_titles(user: Any, slug: str) -> dict[str, Norm]:
    """Norms by id in the newest edition of the newest version of framework ``slug``."""
    framework = (
        Framework.objects.for_user(user).filter(slug=slug).order_by("-version", "-edition").first()
    )
    if framework is None:
        return {}
    return {norm.norm_id: norm for norm in framework.norms.all()}


def groeipaden_for_user(user: Any) -> list[Groeipad]:
    return list(
        Groeipad.objects.for_user(user)
        .order_by("slug")
        .prefetch_related(
            Prefetch(
                "phases",
                queryset=GroeipadPhase.objects.order_by("number").prefetch_related(
                    Prefetch(
                        "subprojects", queryset=GroeipadSubProject.objects.order_by("position")
                    )
                ),
            )
        )
    )


@dataclass(frozen=True)
class Party:
    """One party of a RACI: a role label when it is a role code, else the free text."""

    label: str
    is_role: bool


def raci_parties(parties: list[str]) -> list[Party]:
    return [
        Party(role_label(party), True) if party in ROLE_CODES else Party(party, False)
        for party in parties
    ]
