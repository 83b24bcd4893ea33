"""Uploading a log file, the list of uploads and one upload with its live progress and report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from schildwacht.audit.services import Actor
from schildwacht.detection import services
from schildwacht.detection.engine.reading import REPORT_LIMIT
from schildwacht.detection.forms import UploadForm, add_service_errors
from schildwacht.detection.queries import (
    available_sources,
    refusal_rows,
    upload_for_user,
    uploads_for_user,
)
from schildwacht.detection.views.common import (
    active_board,
    may_change,
    page_of,
    posted,
    refused,
    render_partial,
)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a log file of one source; the worker processes it and the upload's page shows
    how far it is."""
    board = active_board(request)
    if not may_change(request, board):
        return refused(request, _("U mag de loganalyse lezen, maar geen logbestanden uploaden."))
    form = UploadForm(posted(request), request.FILES or None, sources=available_sources())
    if request.method == "POST" and form.is_valid():
        try:
            created = services.upload_log(
                Actor.for_user(request.user),
                board,
                form.cleaned_data["source"],
                form.cleaned_data["file"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Het bestand is ontvangen en wordt verwerkt. Deze pagina laat zien hoe ver het is."
                ),
            )
            return redirect("detection:upload_detail", created.pk)
    return render(
        request,
        "detection/upload_form.html",
        {
            "board": board,
            "form": form,
            "max_mb": services.max_upload_bytes() // (1024 * 1024),
            "current": "upload",
        },
    )


@login_required
@require_safe
def upload_list(request: HttpRequest) -> HttpResponse:
    board = active_board(request)
    page, query = page_of(request, uploads_for_user(request.user, board))
    return render_partial(
        request,
        "detection/uploads.html",
        "detection/_uploads.html",
        {
            "board": board,
            "page": page,
            "query": query,
            "may_change": may_change(request, board),
            "current": "uploads",
        },
    )


@login_required
@require_safe
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One upload: its progress while the worker runs (htmx asks again every two seconds until
    it is finished), then the report with every refused line and why."""
    item = upload_for_user(request.user, pk)
    refusals = refusal_rows(item)
    return render_partial(
        request,
        "detection/upload_detail.html",
        "detection/_upload_status.html",
        {
            "board": item.organisation,
            "upload": item,
            "report": item.report or {},
            "refusals": refusals,
            # One entry may stand for many records (a damaged EVTX chunk), so only a list cut
            # at the report's limit is called incomplete.
            "refusals_cut": len(refusals) >= REPORT_LIMIT
            and (item.report or {}).get("refused", 0) > len(refusals),
            "notices": refusal_rows(item, "notices"),
            "current": "uploads",
        },
    )
