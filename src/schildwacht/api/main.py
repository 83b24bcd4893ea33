"""The API object: authentication, error shapes and the routers of each domain."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from schildwacht.api import (
    assessments,
    detection,
    dpia,
    frameworks,
    incidents,
    me,
    measures,
    organisations,
    people,
    registers,
    risks,
    suppliers,
)
from schildwacht.api.auth import BearerTokenAuth, VerifiedSessionAuth

api = NinjaAPI(
    title="Schildwacht API",
    version="1",
    description=(
        "REST API van Schildwacht. Authenticatie met `Authorization: Bearer <token>`; "
        "objecten van organisaties die u niet mag zien geven 404."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=[BearerTokenAuth(), VerifiedSessionAuth()],
)

api.add_router("", me.router)
api.add_router("", organisations.router)
api.add_router("", frameworks.router)
api.add_router("", assessments.router)
api.add_router("", measures.router)
api.add_router("", registers.router)
api.add_router("", suppliers.router)
api.add_router("", dpia.router)
api.add_router("", risks.router)
api.add_router("", incidents.router)
api.add_router("", people.router)
api.add_router("", detection.router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Niet gevonden.")}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # Reaching an object but not the action (e.g. a read-only token writing) is a 403 without
    # details; objects outside the caller's organisations never get here: they are 404.
    return api.create_response(request, {"detail": _("Niet toegestaan.")}, status=403)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    detail = [
        {"loc": ["body", field], "msg": message, "type": "value_error"}
        for field, messages in errors.items()
        for message in messages
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": _("Het verzoek is te groot.")}, status=413)
