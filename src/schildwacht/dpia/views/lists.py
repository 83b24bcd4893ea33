"""The lists of the active organisation: DPIAs, pre-scans, and per application the DPIA state."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from schildwacht.dpia.queries import (
    DpiaState,
    application_overview,
    dpias_for_user,
    prescans_for_user,
)
from schildwacht.dpia.views.common import (
    changeable,
    page_of,
    privacy_organisation,
    render_list,
)


@login_required
@require_safe
def dpia_list(request: HttpRequest) -> HttpResponse:
    """The DPIAs of the active board (with its schools) or school, newest change first."""
    organisation = privacy_organisation(request)
    page, query = page_of(request, dpias_for_user(request.user, organisation))
    return render_list(
        request,
        "dpia/list.html",
        "dpia/_list.html",
        {
            "organisation": organisation,
            "page": page,
            "query": query,
            "may_create": bool(changeable(request.user, organisation)),
        },
    )


@login_required
@require_safe
def application_list(request: HttpRequest) -> HttpResponse:
    """Per application: no pre-scan yet, DPIA not required, required and missing, busy, done."""
    organisation = privacy_organisation(request)
    page, query = page_of(request, application_overview(request.user, organisation))
    return render_list(
        request,
        "dpia/applications.html",
        "dpia/_applications.html",
        {
            "organisation": organisation,
            "page": page,
            "query": query,
            "labels": DpiaState.LABELS,
            "may_create": bool(changeable(request.user, organisation)),
        },
    )


@login_required
@require_safe
def prescan_list(request: HttpRequest) -> HttpResponse:
    """Every pre-scan of the organisation, newest first (redone pre-scans included)."""
    organisation = privacy_organisation(request)
    page, query = page_of(request, prescans_for_user(request.user, organisation))
    return render_list(
        request,
        "dpia/prescans.html",
        "dpia/_prescans.html",
        {"organisation": organisation, "page": page, "query": query},
    )
