"""Writes to accounts: users, second factors, tokens, sessions. Each lands in the audit trail."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.functional import Promise, lazy
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy
from django_otp.models import Device

from schildwacht.accounts.models import (
    ApiToken,
    AuthenticatorDevice,
    RecoveryCode,
    RecoveryCodeDevice,
    User,
    hash_secret,
    looks_like_totp,
)
from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import (
    Actor,
    Change,
    change_for,
    record_change,
    record_event,
    snapshot,
)
from schildwacht.operations.notifications import notify

RECOVERY_CODE_COUNT = 10

logger = logging.getLogger(__name__)


def _record_account_change(
    actor: Actor, action: str, obj: models.Model, user: User, changes: dict[str, list[Any]]
) -> None:
    """Record a change to ``user``'s account: the user row itself or one of their devices.

    The record is named after the user, since secrets (passwords, TOTP secrets) never enter
    the audit trail and the device rows mean nothing on their own.
    """
    record_change(
        actor,
        Change(
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(user),
            changes=changes,
        ),
    )


def _record_user_event(actor: Actor, action: str, user: User, details: dict[str, Any]) -> None:
    """Record a sign-in event (login, logout, failed second factor) of ``user``."""
    record_event(
        actor,
        action,
        object_type=User._meta.label_lower,
        object_id=str(user.pk),
        object_repr=str(user),
        details=details,
    )


def _interpolate_lazy(message: Promise, **params: Any) -> Promise:
    """``message % params``, translated only when used: e-mails are rendered in Dutch."""
    interpolated: Promise = lazy(lambda: str(message) % params, str)()  # type: ignore[assignment]
    return interpolated


def _security_notice(user: User, what: Promise) -> None:
    """Tell the user by e-mail that something security-relevant changed on their account."""
    notify(
        [user.email],
        "accounts/email/security_change.txt",
        {"name": str(user), "what": what, "site_url": settings.SITE_URL},
    )


def invite_user(actor: Actor, user: User, *, organisation: Any, role_label: str) -> None:
    """E-mail a new member a link to set their first password (valid as a reset link is)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)},
    )
    notify(
        [user.email],
        "accounts/email/invitation.txt",
        {
            "name": str(user),
            "inviter": actor.user or "Schildwacht",
            "role": role_label,
            "organisation": organisation,
            "link": settings.SITE_URL.rstrip("/") + path,
        },
    )


def announce_role(actor: Actor, user: User, *, organisation: Any, role_label: str) -> None:
    """E-mail an existing user that they were given a new role."""
    notify(
        [user.email],
        "accounts/email/new_role.txt",
        {
            "name": str(user),
            "inviter": actor.user or "Schildwacht",
            "role": role_label,
            "organisation": organisation,
            "site_url": settings.SITE_URL,
        },
    )


def create_user(actor: Actor, *, email: str, password: str | None, full_name: str = "") -> User:
    """Create an account; without a password it can only sign in through an identity provider."""
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
        record_change(actor, change_for(AuditAction.CREATE, user, None, snapshot(user)))
    return user


def set_password(actor: Actor, user: User, password: str) -> None:
    """Set a new password and end every other session of the user."""
    with transaction.atomic():
        user.set_password(password)
        user.session_generation += 1
        user.save(update_fields=["password", "session_generation"])
        _record_account_change(
            actor, AuditAction.UPDATE, user, user, {"password": [None, "gewijzigd"]}
        )
        _security_notice(user, gettext_lazy("uw wachtwoord is gewijzigd"))


def new_totp_secret() -> str:
    """A fresh 160-bit TOTP secret (hex), shown to the user before it is confirmed."""
    return secrets.token_hex(20)


def _new_recovery_codes(device: RecoveryCodeDevice) -> list[str]:
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    device.codes.all().delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=hash_secret(code)) for code in codes
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def confirm_authenticator(
    actor: Actor, user: User, secret: str, accepted_step: int
) -> tuple[AuthenticatorDevice, list[str]]:
    """Store a confirmed authenticator (replacing any earlier one) and issue recovery codes.

    The caller has already checked a code against ``secret``; ``accepted_step`` is that code's
    time step, which is spent so the same code cannot log in again.
    """
    with transaction.atomic():
        AuthenticatorDevice.objects.filter(user=user).delete()
        device = AuthenticatorDevice(user=user, name="Authenticator", secret=secret, confirmed=True)
        device.last_t = accepted_step
        device.save()
        recovery, _created = RecoveryCodeDevice.objects.get_or_create(
            user=user, defaults={"name": "Herstelcodes", "confirmed": True}
        )
        codes = _new_recovery_codes(recovery)
        _record_account_change(
            actor,
            AuditAction.CREATE,
            device,
            user,
            {"authenticator": [None, "ingesteld"], "recovery_codes": [None, RECOVERY_CODE_COUNT]},
        )
        _security_notice(user, gettext_lazy("er is een authenticator-app ingesteld"))
    return device, codes


def regenerate_recovery_codes(actor: Actor, user: User) -> list[str]:
    """Replace the user's recovery codes; the old ones stop working."""
    with transaction.atomic():
        device, _created = RecoveryCodeDevice.objects.get_or_create(
            user=user, defaults={"name": "Herstelcodes", "confirmed": True}
        )
        codes = _new_recovery_codes(device)
        _record_account_change(
            actor, AuditAction.UPDATE, device, user, {"recovery_codes": [None, RECOVERY_CODE_COUNT]}
        )
    return codes


def enrol_demo_authenticator(actor: Actor, user: User, secret: str) -> AuthenticatorDevice:
    """Give a demo account a known TOTP secret (printed by ``schildwacht demo``)."""
    with transaction.atomic():
        device = AuthenticatorDevice.objects.filter(user=user).first()
        if device is not None and device.secret == secret:
            return device
        AuthenticatorDevice.objects.filter(user=user).delete()
        device = AuthenticatorDevice.objects.create(
            user=user, name="Authenticator", secret=secret, confirmed=True
        )
        _record_account_change(
            actor, AuditAction.CREATE, device, user, {"authenticator": [None, "ingesteld (demo)"]}
        )
    return device


def log_out_everywhere(actor: Actor, user: User) -> None:
    """End every session of ``user`` (the middleware compares the session generation)."""
    with transaction.atomic():
        user.session_generation += 1
        user.save(update_fields=["session_generation"])
        _record_account_change(
            actor, AuditAction.LOGOUT, user, user, {"sessions": ["actief", "overal beëindigd"]}
        )


def create_api_token(
    actor: Actor,
    *,
    user: User,
    name: str,
    read_only: bool = False,
    organisations: Iterable[Any] = (),
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return it with its secret, which is never shown again.

    ``organisations`` narrows the token; the caller checks they are within the user's reach.
    """
    raw, digest = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:8],
            token_hash=digest,
            read_only=read_only,
            expires_at=expires_at,
        )
        organisations = list(organisations)
        token.organisations.set(organisations)
        after = snapshot(token) | {"organisations": sorted(o.pk for o in organisations)}
        record_change(actor, change_for(AuditAction.CREATE, token, None, after))
        _security_notice(
            user,
            _interpolate_lazy(gettext_lazy("er is een API-token „%(name)s” aangemaakt"), name=name),
        )
    return token, raw


def revoke_api_token(actor: Actor, token: ApiToken) -> None:
    """Revoke a token at once; it stays listed as revoked."""
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        before = snapshot(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_change(actor, change_for(AuditAction.UPDATE, token, before, snapshot(token)))


# --- Sign-in events and the second factor -------------------------------------------------------

LOGIN_PAGE_ACTOR_LABEL = "anoniem (inlogpagina)"


class SecondFactorThrottled(Exception):
    """Too many wrong codes in a row: the user has to wait before trying again."""


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app scans; apps expect the secret in base32."""
    label = quote(f"{settings.OTP_TOTP_ISSUER}:{user.email}", safe=":@")
    params = urlencode(
        {
            "secret": totp_secret_base32(secret),
            "issuer": settings.OTP_TOTP_ISSUER,
            "digits": AuthenticatorDevice.digits,
            "period": AuthenticatorDevice.step,
        }
    )
    return f"otpauth://totp/{label}?{params}"


def totp_secret_base32(secret: str) -> str:
    """The hex-stored secret as base32, for typing it into an app by hand."""
    return base64.b32encode(bytes.fromhex(secret)).decode().rstrip("=")


def match_pending_totp(secret: str, token: str) -> int | None:
    """The time step at which ``token`` is valid for a not yet confirmed ``secret`` (±1 step)."""
    if not looks_like_totp(token):
        return None
    device = AuthenticatorDevice(secret=secret)  # never saved: only its TOTP arithmetic is used
    now = device.current_step()
    for step in range(now - device.drift, now + device.drift + 1):
        if device.code_at(step) == int(token):
            return step
    return None


def record_login(actor: Actor, user: User, *, step: str, method: str = "") -> None:
    """Record a completed sign-in step (password, or second factor with its method)."""
    details = {"stap": step} | ({"methode": method} if method else {})
    _record_user_event(actor, AuditAction.LOGIN, user, details)


def record_login_failure(username: str, *, ip_address: str | None) -> None:
    """Record a failed password sign-in. The password is never recorded.

    Only a failure on an existing account enters the audit trail: anyone can type any address
    on the sign-in page, and the trail must not fill with whatever outsiders type. Failures on
    unknown addresses are only logged (django-axes also keeps its own records for throttling).
    """
    email = username[:254].strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        logger.warning("failed sign-in for an unknown address from %s", ip_address or "?")
        return
    record_event(
        Actor(label=LOGIN_PAGE_ACTOR_LABEL),
        AuditAction.LOGIN_FAILED,
        object_type=User._meta.label_lower,
        object_id=str(user.pk),
        object_repr=email,
        details={"stap": "wachtwoord", "ip": ip_address or ""},
    )


def record_logout(actor: Actor, user: User) -> None:
    """Record that a user signed out of this session."""
    _record_user_event(actor, AuditAction.LOGOUT, user, {"sessie": "beëindigd"})


def verify_second_factor(actor: Actor, user: User, token: str) -> Device | None:
    """Check a TOTP code or a recovery code of ``user``; return the device that accepted it.

    The authenticator row is locked while checking, so one code cannot be accepted twice by
    two requests at the same moment. Wrong codes of either kind count towards the
    authenticator's throttle; while it is throttled nothing is checked and
    ``SecondFactorThrottled`` is raised. A failure lands in the audit trail.
    """
    with transaction.atomic():
        authenticator = (
            AuthenticatorDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .first()
        )
        if authenticator is not None and not authenticator.verify_is_allowed()[0]:
            raise SecondFactorThrottled
        accepted: Device | None = None
        method = "totp"
        if authenticator is not None and looks_like_totp(token):
            if authenticator.verify_token(token):
                accepted = authenticator
        else:
            method = "herstelcode"
            recovery = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
            if recovery is not None and recovery.verify_token(token):
                accepted = recovery
            elif authenticator is not None:
                authenticator.throttle_increment()
    if accepted is None:
        _record_user_event(
            actor, AuditAction.LOGIN_FAILED, user, {"stap": "tweede factor", "methode": method}
        )
    else:
        record_login(actor, user, step="tweede factor", method=method)
    return accepted
