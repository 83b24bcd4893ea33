"""What the risk pages share: the refusal page, the active organisation and pagination."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Organisation
from schildwacht.risks.queries import viewable_organisation

PAGE_SIZE = 25


def refused(request: HttpRequest, message: str) -> HttpResponse:
    """A change inside the user's reach that they may not make: 403 with the reason."""
    return render(request, "risks/refused.html", {"message": message}, status=403)


def active_organisation(request: HttpRequest) -> Organisation:
    """The active organisation if the user reads its risks, else Http404."""
    return viewable_organisation(request.user, active_organisation_for(request))


def page_query(request: HttpRequest) -> str:
    """The list's query string without the page number (for pagination links)."""
    query = request.GET.copy()
    query.pop("pagina", None)
    return query.urlencode()
