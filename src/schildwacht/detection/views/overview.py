"""The log analysis of the active board at a glance, and a source's settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from schildwacht.audit.services import Actor
from schildwacht.detection import services
from schildwacht.detection.forms import SourceSettingForm, add_service_errors
from schildwacht.detection.queries import (
    FRESH_DAYS,
    log_sources,
    open_alert_counts,
    recent_uploads,
    source_rows,
)
from schildwacht.detection.views.common import active_board, may_change, posted, refused


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """Sources with their newest day and retention, open alerts by severity, recent uploads."""
    board = active_board(request)
    uploads = recent_uploads(request.user, board)
    counts = open_alert_counts(request.user, board)
    return render(
        request,
        "detection/overview.html",
        {
            "board": board,
            "sources": source_rows(board),
            "coverage": log_sources(request.user, board),
            "fresh_days": FRESH_DAYS,
            "counts": counts,
            "open_total": sum(count for _code, _label, count in counts),
            "uploads": uploads,
            "may_change": may_change(request, board),
            "current": "overview",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def source_setting(request: HttpRequest, source: str) -> HttpResponse:
    """How long a source's events are kept and whether it is expected to deliver."""
    board = active_board(request)
    row = next((r for r in source_rows(board) if r.source == source), None)
    if row is None:
        raise Http404
    if not may_change(request, board):
        return refused(request, _("U mag de loganalyse lezen, maar niet instellen."))
    form = SourceSettingForm(
        posted(request), initial={"retention_days": row.retention_days, "enabled": row.enabled}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_source_setting(
                Actor.for_user(request.user),
                board,
                source,
                retention_days=form.cleaned_data["retention_days"],
                enabled=form.cleaned_data["enabled"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("De instelling van %(source)s is opgeslagen.") % {"source": row.label}
            )
            return redirect("detection:overview")
    return render(
        request,
        "detection/source_form.html",
        {"board": board, "row": row, "form": form, "current": "overview"},
    )
