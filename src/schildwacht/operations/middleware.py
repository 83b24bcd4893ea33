"""A cap on the size of every request, checked before anything reads the body.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves file uploads out; this cap holds for all requests,
so an oversized upload is refused at once with 413 instead of being streamed to disk.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

LOG_UPLOAD_PATH = re.compile(r"^/(detectie/uploaden/|api/v1/(organisations/\d+/)?log-uploads$)")


class RequestSizeLimitMiddleware:
    """Answer 413 when Content-Length exceeds settings.MAX_REQUEST_SIZE (JSON under /api/)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Log files are large by nature; their upload paths have their own, larger limit
        # (the file is streamed to disk, never held in memory); the upload form names the
        # field when a file is over the log limit.
        limit = settings.MAX_REQUEST_SIZE
        if LOG_UPLOAD_PATH.search(request.path):
            limit = max(limit, settings.DETECTION_MAX_UPLOAD_BYTES + 1024 * 1024)
        if length > limit:
            message = _("Het verzoek is te groot (meer dan %(mb)d MB).") % {
                "mb": limit // (1024 * 1024)
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
