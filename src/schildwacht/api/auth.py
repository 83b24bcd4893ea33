"""API authentication: bearer tokens, or the browser session once MFA is done."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from schildwacht.accounts.middleware import is_verified
from schildwacht.accounts.models import ApiToken, hash_secret

# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer sw_…``: the request acts as the token's user, narrowed by it."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_secret(token.strip()))
            .first()
        )
        if found is None or not found.user.is_active:
            raise HttpError(401, _("Onbekend API-token."))
        if found.revoked_at is not None:
            raise HttpError(401, _("Dit API-token is ingetrokken."))
        if found.expires_at is not None and found.expires_at <= timezone.now():
            raise HttpError(401, _("Dit API-token is verlopen."))
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > _LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        user = found.user
        # Scoping reads the token from the user, so its narrowing applies everywhere.
        user.api_token = found  # type: ignore[attr-defined]
        request.user = user
        return user


class VerifiedSessionAuth(APIKeyCookie):
    """The browser's session, only when its second factor is done (CSRF checked by ninja)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_verified(user):
            return user
        return None
