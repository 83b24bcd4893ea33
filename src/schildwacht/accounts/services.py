"""Writes to accounts: users, second factors, tokens, sessions. Each lands in the audit trail."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from schildwacht.accounts.models import (
    ApiToken,
    AuthenticatorDevice,
    RecoveryCode,
    RecoveryCodeDevice,
    User,
    hash_secret,
)
from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_change, snapshot

RECOVERY_CODE_COUNT = 10


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
        record_change(actor, Change(
            action=AuditAction.UPDATE, object_type="accounts.user", object_id=str(user.pk),
            object_repr=str(user), changes={"password": [None, "gewijzigd"]},
        ))


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
        record_change(actor, Change(
            action=AuditAction.CREATE, object_type="accounts.authenticatordevice",
            object_id=str(device.pk), object_repr=str(user),
            changes={"authenticator": [None, "ingesteld"],
                     "recovery_codes": [None, RECOVERY_CODE_COUNT]},
        ))
    return device, codes


def regenerate_recovery_codes(actor: Actor, user: User) -> list[str]:
    """Replace the user's recovery codes; the old ones stop working."""
    with transaction.atomic():
        device, _created = RecoveryCodeDevice.objects.get_or_create(
            user=user, defaults={"name": "Herstelcodes", "confirmed": True}
        )
        codes = _new_recovery_codes(device)
        record_change(actor, Change(
            action=AuditAction.UPDATE, object_type="accounts.recoverycodedevice",
            object_id=str(device.pk), object_repr=str(user),
            changes={"recovery_codes": [None, RECOVERY_CODE_COUNT]},
        ))
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
        record_change(actor, Change(
            action=AuditAction.CREATE, object_type="accounts.authenticatordevice",
            object_id=str(device.pk), object_repr=str(user),
            changes={"authenticator": [None, "ingesteld (demo)"]},
        ))
    return device


def log_out_everywhere(actor: Actor, user: User) -> None:
    """End every session of ``user`` (the middleware compares the session generation)."""
    with transaction.atomic():
        user.session_generation += 1
        user.save(update_fields=["session_generation"])
        record_change(actor, Change(
            action=AuditAction.LOGOUT, object_type="accounts.user", object_id=str(user.pk),
            object_repr=str(user), changes={"sessions": ["actief", "overal beëindigd"]},
        ))


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
            user=user, name=name, prefix=raw[:8], token_hash=digest, read_only=read_only,
            expires_at=expires_at,
        )
        organisations = list(organisations)
        token.organisations.set(organisations)
        after = snapshot(token) | {"organisations": sorted(o.pk for o in organisations)}
        record_change(actor, change_for(AuditAction.CREATE, token, None, after))
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
