"""What the DPIA pages share: the refusal page, the active organisation and pagination."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from schildwacht.dpia.models import Dpia
from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids, sector_ids

PAGE_SIZE = 25


def refused(request: HttpRequest, message: str) -> HttpResponse:
    """A change inside the user's reach that their role does not allow: 403 with the reason."""
    return render(request, "dpia/refused.html", {"message": message}, status=403)


def privacy_organisation(request: HttpRequest) -> Organisation:
    """The active board or school, if the user reads its privacy items; else Http404."""
    organisation = active_organisation_for(request)
    if (
        organisation is None
        or organisation.kind == OrganisationKind.SECTOR
        or organisation.pk not in organisation_ids(request.user, "view", Dpia.scope_area)
    ):
        raise Http404
    return organisation


def is_curator(user: Any) -> bool:
    return bool(sector_ids(user, "manage", "catalogues"))


def reads_privacy(user: Any) -> bool:
    """Whether the user reads any board's privacy items (and so the published sector DPIAs)."""
    return bool(organisation_ids(user, "view", Dpia.scope_area))


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


def changeable(user: Any, organisation: Organisation) -> list[Organisation]:
    """Boards and schools in ``organisation``'s subtree where the user may write DPIAs."""
    return list(
        Organisation.objects.filter(
            pk__in=organisation_ids(user, "change", Dpia.scope_area),
            path__startswith=organisation.path,
        )
        .exclude(kind=OrganisationKind.SECTOR)
        .order_by("path")
    )


def posted(request: HttpRequest) -> Any:
    """The POST data on a POST (even when empty, so the form is bound and validated), else None."""
    return request.POST if request.method == "POST" else None
