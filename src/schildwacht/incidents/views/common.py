"""What the incident pages share: the refusal page, the active organisation and pagination."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids

PAGE_SIZE = 25


def refused(request: HttpRequest, message: str) -> HttpResponse:
    """A change inside the user's reach that their role does not allow: 403 with the reason."""
    return render(request, "incidents/refused.html", {"message": message}, status=403)


def reads_register(user: Any, organisation: Organisation) -> bool:
    """Whether ``user`` reads the register of ``organisation``: all of it (``view:all``) or its
    data breaches (``view:privacy``, the FG)."""
    return organisation.pk in organisation_ids(user, "view", "privacy")


def register_organisation(request: HttpRequest) -> Organisation:
    """The active board or school, if the user reads its register; else Http404."""
    organisation = active_organisation_for(request)
    if (
        organisation is None
        or organisation.kind == OrganisationKind.SECTOR
        or not reads_register(request.user, organisation)
    ):
        raise Http404
    return organisation


def board_organisation(request: HttpRequest) -> Organisation:
    """The active board or school (never the sector node), else Http404."""
    organisation = active_organisation_for(request)
    if organisation is None or organisation.kind == OrganisationKind.SECTOR:
        raise Http404
    return organisation


def page_of(request: HttpRequest, items: Any) -> tuple[Page[Any], str]:
    """The requested page (``?pagina=``) and the other query parameters for the page links."""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return page, query.urlencode()


def render_list(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """The full page, or for htmx only the list partial it includes."""
    response = render(request, partial if is_htmx(request) else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def posted(request: HttpRequest) -> Any:
    """The POST data on a POST (even when empty, so the form is bound and validated), else None."""
    return request.POST if request.method == "POST" else None
