"""Catalogue pages: the frameworks, one framework's domains and norms, basismaatregelen, groeipad.

The catalogue is sector-wide reference data: every signed-in user reads it. The sector curator
also sees how certain each norm is and where it was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from schildwacht.frameworks.models import Basismaatregel, Domain, Framework, Norm
from schildwacht.frameworks.queries import (
    Party,
    basismaatregelen_for_user,
    framework_for_user,
    frameworks_for_user,
    groeipaden_for_user,
    is_curator,
    norm_titles,
    raci_parties,
)


@login_required
def framework_list(request: HttpRequest) -> HttpResponse:
    frameworks = list(frameworks_for_user(request.user))
    return render(request, "frameworks/list.html", {"frameworks": frameworks})


@dataclass(frozen=True)
class NormView:
    """A norm with its criteria as (level, level name, text), for the template."""

    norm: Norm
    criteria: list[tuple[int, str, str]]


@dataclass(frozen=True)
class DomainView:
    """A domain with its RACI parties resolved to labels, for the template."""

    domain: Domain
    norms: list[NormView]
    responsible: list[Party]
    consulted: list[Party]
    informed: list[Party]


def _domain_view(domain: Domain, level_names: dict[int, str]) -> DomainView:
    raci: dict[str, Any] = domain.raci or {}
    return DomainView(
        domain=domain,
        norms=[
            NormView(
                norm,
                [
                    (level, level_names.get(level, ""), text)
                    for level, text in norm.criteria_by_level()
                ],
            )
            for norm in domain.norms.all()
        ],
        responsible=raci_parties(raci.get("responsible", [])),
        consulted=raci_parties(raci.get("consulted", [])),
        informed=raci_parties(raci.get("informed", [])),
    )


@dataclass(frozen=True)
class LevelView:
    level: int
    name: str
    description: str
    is_target: bool


def _levels(framework: Framework) -> list[LevelView]:
    language = "en" if (get_language() or "nl").startswith("en") else "nl"
    return [
        LevelView(
            level=item["level"],
            name=item["name"].get(language) or item["name"]["nl"],
            description=item["description"],
            is_target=item["level"] == framework.target_level,
        )
        for item in framework.maturity_levels
    ]


@login_required
def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    framework = framework_for_user(request.user, pk)
    levels = _levels(framework)
    names = {level.level: level.name for level in levels}
    domains = [_domain_view(domain, names) for domain in framework.domains.all()]
    return render(
        request,
        "frameworks/detail.html",
        {
            "framework": framework,
            "ib_domains": [d for d in domains if d.domain.part == "IB"],
            "privacy_domains": [d for d in domains if d.domain.part == "privacy"],
            "raci_official": any(d.domain.raci.get("official") for d in domains),
            "levels": levels,
            "curator": is_curator(request.user),
        },
    )


@dataclass(frozen=True)
class MeasureView:
    measure: Basismaatregel
    norms: list[tuple[str, Norm | None]]


@login_required
def basismaatregelen(request: HttpRequest) -> HttpResponse:
    measures = basismaatregelen_for_user(request.user)
    slugs = {m.framework_slug for m in measures}
    titles: dict[str, dict[str, Norm]] = {slug: norm_titles(request.user, slug) for slug in slugs}
    rows = [
        MeasureView(m, [(norm_id, titles[m.framework_slug].get(norm_id)) for norm_id in m.norm_ids])
        for m in measures
    ]
    return render(request, "frameworks/basismaatregelen.html", {"rows": rows})


@login_required
def groeipad(request: HttpRequest) -> HttpResponse:
    return render(
        request, "frameworks/groeipad.html", {"groeipaden": groeipaden_for_user(request.user)}
    )
