"""Rapportage: "Waar staan we?", the board report (PDF) and the export of a meting (XLSX).

Views parse input, call one query and render. Organisations and metingen the user may not
read answer 404 (sector nodes too: they have no metingen of their own).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from schildwacht.assessments.queries import assessment_for_user
from schildwacht.organisations.context import active_organisation_for
from schildwacht.reports.exports import assessment_workbook
from schildwacht.reports.pdf import board_report_pdf
from schildwacht.reports.queries import dashboard, dashboard_organisation


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The dashboard of the organisation chosen in the switcher."""
    active = active_organisation_for(request)
    if active is None:
        raise Http404
    return organisation_dashboard(request, active.pk)


@login_required
def organisation_dashboard(request: HttpRequest, org_id: int) -> HttpResponse:
    organisation = dashboard_organisation(request.user, org_id)
    return render(
        request,
        "reports/dashboard.html",
        {"dashboard": dashboard(request.user, organisation)},
    )


@login_required
def board_report(request: HttpRequest, org_id: int) -> HttpResponse:
    """The board report as a tagged PDF in Dutch, for the annual report."""
    organisation = dashboard_organisation(request.user, org_id)
    report = board_report_pdf(dashboard(request.user, organisation, modules=False))
    return _download(report.content, "application/pdf", report.filename)


@login_required
def assessment_export(request: HttpRequest, pk: int) -> HttpResponse:
    """One meting as a workbook: every norm with its score, and the scores per domain."""
    export = assessment_workbook(assessment_for_user(request.user, pk))
    return _download(export.content, export.content_type, export.filename)
