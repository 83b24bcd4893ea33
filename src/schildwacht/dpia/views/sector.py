"""Sector DPIAs: the curator writes and publishes them on the sector node; boards read the
published ones and adopt one as the basis of their own DPIA. The curator never reaches a
board's DPIA (404), and a board never a sector DPIA that is still a concept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schildwacht.audit.services import Actor
from schildwacht.dpia import services
from schildwacht.dpia.forms import AdoptForm, SectorDpiaForm, add_service_errors
from schildwacht.dpia.queries import adoption_targets, dpia_for_user, sector_dpias_for_user
from schildwacht.dpia.views.common import (
    is_curator,
    page_of,
    posted,
    reads_privacy,
    refused,
    render_list,
)
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import sector_ids
from schildwacht.suppliers.models import Supplier


def _curated_sector(request: HttpRequest) -> Organisation | None:
    ids = sorted(sector_ids(request.user, "manage", "catalogues"))
    return Organisation.objects.filter(pk=ids[0]).first() if ids else None


@login_required
@require_safe
def sector_list(request: HttpRequest) -> HttpResponse:
    """Sector DPIAs: all of them for the curator, the published ones for boards."""
    curator = is_curator(request.user)
    if not curator and not reads_privacy(request.user):
        raise Http404
    page, query = page_of(request, sector_dpias_for_user(request.user))
    return render_list(
        request,
        "dpia/sector_list.html",
        "dpia/_sector_list.html",
        {"page": page, "query": query, "is_curator": curator},
    )


@login_required
@require_http_methods(["GET", "POST"])
def sector_create(request: HttpRequest) -> HttpResponse:
    """A new sector DPIA (concept) on the curator's sector node."""
    sector = _curated_sector(request)
    if sector is None:
        if reads_privacy(request.user):
            return refused(request, _("Alleen de sectorbeheerder maakt sector-DPIA's."))
        raise Http404
    form = SectorDpiaForm(
        posted(request),
        suppliers=Supplier.objects.filter(organisation=sector).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            dpia = services.create_dpia(Actor.for_user(request.user), sector, **form.cleaned_data)
        except services.DpiaRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De sector-DPIA is aangemaakt als concept."))
            return redirect("dpia:detail", dpia.pk)
    return render(request, "dpia/sector_form.html", {"form": form})


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    dpia = dpia_for_user(request.user, pk)
    try:
        services.publish_sector_dpia(Actor.for_user(request.user), dpia)
    except services.DpiaRefused as error:
        return refused(request, error.message)
    except ValidationError as error:
        return refused(request, " ".join(error.messages))
    messages.success(request, _("De sector-DPIA is gepubliceerd; besturen kunnen hem overnemen."))
    return redirect("dpia:detail", dpia.pk)


@login_required
@require_http_methods(["GET", "POST"])
def adopt(request: HttpRequest, pk: int) -> HttpResponse:
    """Adopt a published sector DPIA for one of the user's boards or schools."""
    sector_dpia = dpia_for_user(request.user, pk)
    if not sector_dpia.is_sector:
        raise Http404
    targets = adoption_targets(request.user, sector_dpia)
    if sector_dpia.status != "published" or not targets.exists():
        return refused(request, _("U kunt deze sector-DPIA niet overnemen."))
    form = AdoptForm(posted(request), organisations=targets.order_by("path"))
    if request.method == "POST" and form.is_valid():
        try:
            dpia = services.adopt_sector_dpia(
                Actor.for_user(request.user), sector_dpia, form.cleaned_data["organisation"]
            )
        except services.DpiaRefused as error:
            return refused(request, error.message)
        messages.success(
            request,
            _("De sector-DPIA is overgenomen. Vul de eigen context, risico's en maatregelen aan."),
        )
        return redirect("dpia:detail", dpia.pk)
    return render(request, "dpia/adopt.html", {"form": form, "sector_dpia": sector_dpia})
