"""A cap on the size of every request, checked before anything reads the body.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves file uploads out; this cap holds for all requests,
so an oversized upload is refused at once with 413 instead of being streamed to disk.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Answer 413 when Content-Length exceeds settings.MAX_REQUEST_SIZE (JSON under /api/)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_SIZE:
            message = _("Het verzoek is te groot (meer dan %(mb)d MB).") % {
                "mb": settings.MAX_REQUEST_SIZE // (1024 * 1024)
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
