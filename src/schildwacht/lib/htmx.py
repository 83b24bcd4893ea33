"""Telling htmx partial requests apart from full page loads."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """True when htmx asks for a fragment of the page rather than the whole page.

    A history restore (the browser's back button after its cache was emptied) is sent with
    ``HX-Request`` too, but needs the whole page again, so it does not count.
    """
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
