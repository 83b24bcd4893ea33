"""Session guards: the second factor is required, and "log out everywhere" ends old sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_GENERATION_KEY = "session_generation"

# Paths a signed-in user may reach before the second factor is done.
_MFA_EXEMPT_NAMES = (
    "accounts:mfa_setup",
    "accounts:mfa_verify",
    "accounts:logout",
    # Someone who typed only a password may still switch to the board's own provider.
    "accounts:oidc_start",
    "accounts:oidc_callback",
    "set_language",
)


def is_verified(user: Any) -> bool:
    """Whether the user's session has its second factor (django-otp adds ``is_verified``)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if check is not None else False


class SessionGenerationMiddleware:
    """Ends a session whose user has since logged out everywhere or reset their password."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and (
            request.session.get(SESSION_GENERATION_KEY) != getattr(user, "session_generation", 0)
        ):
            logout(request)
        return self.get_response(request)


class MFARequiredMiddleware:
    """Keeps a password-only session on the MFA pages until a second factor is given.

    The API has its own authentication (bearer tokens, or a verified session) and is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None

    def _exempt_paths(self) -> tuple[str, ...]:
        if self._exempt is None:
            self._exempt = (
                *(reverse(name) for name in _MFA_EXEMPT_NAMES),
                settings.STATIC_URL,
                "/api/",
            )
        return self._exempt

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not is_verified(user)
            and not request.path.startswith(self._exempt_paths())
        ):
            has_authenticator = getattr(user, "has_authenticator", False)
            target = "accounts:mfa_verify" if has_authenticator else "accounts:mfa_setup"
            return redirect(target)
        return self.get_response(request)
