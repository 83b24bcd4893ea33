"""Catalogue pages: the frameworks, one framework's domains and norms, basismaatregelen, groeipad.

The catalogue is sector-wide reference data: every signed-in user reads it. The sector curator
also sees how certain each norm is and where it was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from schildwacht.audit.services import Actor
from schildwacht.frameworks.exports import EXPORT_FORMATS, export_framework
from schildwacht.frameworks.forms import NormImportForm
from schildwacht.frameworks.importers import MAX_IMPORT_BYTES, ImportProblem, ImportRejected
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
from schildwacht.frameworks.services import import_norms, latest_edition


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
            "export_formats": EXPORT_FORMATS,
        },
    )


@login_required
def framework_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Download an edition as YAML, XLSX or OSCAL JSON; every signed-in user may (reference data)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    framework = framework_for_user(request.user, pk)
    export = export_framework(framework, fmt)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
def framework_import(request: HttpRequest, pk: int) -> HttpResponse:
    """The sector curator completes a framework version from a file (a new edition).

    Everyone else gets 404: the page does not exist for them.
    """
    if not is_curator(request.user):
        raise Http404
    framework = framework_for_user(request.user, pk)
    problems: list[ImportProblem] = []
    post = request.method == "POST"
    form = NormImportForm(request.POST, request.FILES) if post else NormImportForm()
    if post and form.is_valid():
        upload = form.cleaned_data["file"]
        # One byte over the limit is enough for the importer to refuse a file as too large.
        content = upload.read(MAX_IMPORT_BYTES + 1)
        try:
            result = import_norms(Actor.for_user(request.user), framework, upload.name, content)
        except ImportRejected as exc:
            problems = exc.problems
        else:
            if result.created:
                messages.success(
                    request,
                    _(
                        "Editie %(edition)d is gemaakt: %(new)d nieuwe en %(changed)d gewijzigde "
                        "normen."
                    )
                    % {
                        "edition": result.framework.edition,
                        "new": len(result.new_norms),
                        "changed": len(result.changed_norms),
                    },
                )
            else:
                messages.info(
                    request, _("De import verandert niets; er is geen nieuwe editie gemaakt.")
                )
            return redirect("frameworks:detail", pk=result.framework.pk)
    return render(
        request,
        "frameworks/import.html",
        {
            "framework": framework,
            "latest": latest_edition(framework),
            "form": form,
            "problems": problems,
        },
        status=422 if problems else 200,
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
