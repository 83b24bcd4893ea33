"""The register of the active organisation (with filters, pages and the XLSX export of the
breaches) and "mijn meldingen"."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from schildwacht.incidents.exports import XLSX_CONTENT_TYPE, export_breaches_xlsx
from schildwacht.incidents.forms import FilterForm
from schildwacht.incidents.queries import (
    IncidentFilter,
    breach_register,
    clock_of,
    filter_incidents,
    incidents_for_user,
    my_reports,
    reporting_organisations,
)
from schildwacht.incidents.views.common import (
    board_organisation,
    page_of,
    reads_register,
    register_organisation,
    render_list,
)


def _selection(request: HttpRequest) -> tuple[FilterForm, IncidentFilter | None]:
    form = FilterForm(request.GET or None)
    if not form.is_bound:
        return form, IncidentFilter()
    if not form.is_valid():
        return form, None
    return form, IncidentFilter(kind=form.cleaned_data["soort"], status=form.cleaned_data["status"])


@login_required
@require_safe
def incident_list(request: HttpRequest) -> HttpResponse:
    """The register: every incident of the active board (with its schools) or school that the
    user reads, newest first, each breach with its clock."""
    organisation = register_organisation(request)
    form, selection = _selection(request)
    incidents = incidents_for_user(request.user, organisation)
    incidents = incidents.none() if selection is None else filter_incidents(incidents, selection)
    page, query = page_of(request, incidents)
    now = timezone.now()
    rows: list[Any] = [(incident, clock_of(incident, now)) for incident in page.object_list]
    return render_list(
        request,
        "incidents/list.html",
        "incidents/_list.html",
        {
            "organisation": organisation,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query,
            "may_report": reporting_organisations(request.user, organisation).exists(),
            "reads_register": True,
        },
    )


@login_required
@require_safe
def my_report_list(request: HttpRequest) -> HttpResponse:
    """What the user reported themselves, with the status (every reporter; no one else's)."""
    organisation = board_organisation(request)
    if not reporting_organisations(request.user, organisation).exists():
        raise Http404
    page, query = page_of(request, my_reports(request.user))
    return render_list(
        request,
        "incidents/mine.html",
        "incidents/_mine.html",
        {
            "organisation": organisation,
            "page": page,
            "query": query,
            "reads_register": reads_register(request.user, organisation),
        },
    )


@login_required
@require_safe
def breach_export(request: HttpRequest) -> HttpResponse:
    """The breach register (every breach, notified or not, with the reasoning) as XLSX."""
    organisation = register_organisation(request)
    content = export_breaches_xlsx(breach_register(request.user, organisation))
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="datalekkenregister.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
