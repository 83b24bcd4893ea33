"""What the log-analysis pages share: the board in view, the refusal page and pagination."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from schildwacht.detection.models import detection_board_ids
from schildwacht.detection.queries import readable_board
from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Organisation

PAGE_SIZE = 25


def active_board(request: HttpRequest) -> Organisation:
    """The board of the active organisation (a school's board) if the user reads its log
    analysis, else Http404."""
    return readable_board(request.user, active_organisation_for(request))


def may_change(request: HttpRequest, board: Organisation) -> bool:
    return board.pk in detection_board_ids(request.user, "change")


def refused(request: HttpRequest, message: str) -> HttpResponse:
    """Inside the user's reach, but the role does not allow it: 403 with the reason."""
    return render(request, "detection/refused.html", {"message": message}, status=403)


def page_of(request: HttpRequest, items: Any) -> tuple[Page[Any], str]:
    """The requested page (``?pagina=``) and the other query parameters for the page links."""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return page, query.urlencode()


def render_partial(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """The full page, or for htmx only the partial it includes."""
    response = render(request, partial if is_htmx(request) else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None
