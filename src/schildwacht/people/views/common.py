"""What the people pages share: the refusal page, the active organisation and pagination."""

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
from schildwacht.people.models import Training

PAGE_SIZE = 25


def refused(request: HttpRequest, message: str) -> HttpResponse:
    """A change inside the user's reach that their role does not allow: 403 with the reason."""
    return render(request, "people/refused.html", {"message": message}, status=403)


def active_organisation(request: HttpRequest) -> Organisation:
    """The active board or school, if the user reads its exercises and trainings; else 404."""
    organisation = active_organisation_for(request)
    if (
        organisation is None
        or organisation.kind == OrganisationKind.SECTOR
        or organisation.pk not in organisation_ids(request.user, "view", Training.scope_area)
    ):
        raise Http404
    return organisation


def page_of(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> tuple[Page[Any], str]:
    """The requested page (``?pagina=``) and the other query parameters for the page links."""
    page = Paginator(items, size).get_page(request.GET.get("pagina"))
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
    """The POST data on a POST (even when empty, so the form is bound), else None."""
    return request.POST if request.method == "POST" else None


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
