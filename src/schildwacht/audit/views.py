"""The audit-trail browser: who changed what, when, with before and after values."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from schildwacht.audit.forms import AuditFilterForm
from schildwacht.audit.queries import (
    DISPLAY_ZONE,
    AuditFilter,
    audit_entries,
    audit_organisations,
    entry_rows,
    object_types,
)
from schildwacht.lib.htmx import is_htmx

PAGE_SIZE = 50


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """Filterable, paginated audit trail; the same view serves the htmx partial of results."""
    organisations = audit_organisations(request.user)
    if not organisations:
        raise Http404
    chosen = request.GET.get("organisation", "")
    # An organisation outside the user's audit reach is not "invalid input" but not found.
    if chosen and (not chosen.isdigit() or int(chosen) not in {o.pk for o in organisations}):
        raise Http404
    form = AuditFilterForm(
        request.GET or None, organisations=organisations, object_types=object_types(request.user)
    )
    if form.is_bound and not form.is_valid():
        selection = None
    else:
        selection = form.selection() if form.is_bound else AuditFilter()
    page = None
    rows = []
    if selection is not None:
        paginator = Paginator(audit_entries(request.user, selection), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("pagina"))
        rows = entry_rows(page.object_list)
    query = request.GET.copy()
    query.pop("pagina", None)
    data = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "zone": DISPLAY_ZONE.key,
    }
    template = "audit/_entries.html" if is_htmx(request) else "audit/list.html"
    response = render(request, template, data)
    patch_vary_headers(response, ["HX-Request"])
    return response
