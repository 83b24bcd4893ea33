"""What the supplier pages share: the refusal page and the active organisation's checks."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.suppliers.models import SCOPE_AREA

PAGE_SIZE = 25


def refused(request: HttpRequest, message: str) -> HttpResponse:
    """A change inside the user's reach that they may not make: 403 with the reason."""
    return render(request, "suppliers/refused.html", {"message": message}, status=403)


def privacy_organisation(request: HttpRequest) -> Organisation:
    """The active organisation if the user reads its privacy items, else Http404."""
    organisation = active_organisation_for(request)
    if organisation is None or organisation.pk not in organisation_ids(
        request.user, "view", SCOPE_AREA
    ):
        raise Http404
    return organisation


def changeable(request: HttpRequest, organisation: Organisation) -> list[Organisation]:
    """Organisations in ``organisation``'s subtree whose agreements the user may change."""
    return list(
        Organisation.objects.filter(
            pk__in=organisation_ids(request.user, "change", SCOPE_AREA),
            path__startswith=organisation.path,
        ).order_by("path")
    )


def page_query(request: HttpRequest) -> str:
    """The list's query string without the page number (for pagination links)."""
    query = request.GET.copy()
    query.pop("pagina", None)
    return query.urlencode()
