"""Secrets at rest: values encrypted with the configured Fernet keys.

The keys are part of the configuration (SCHILDWACHT_ENCRYPTION_KEY or the key file in
SCHILDWACHT_HOME) and of every backup, so a restored installation still decrypts MFA secrets and
identity-provider credentials. The first key encrypts; every key decrypts (rotation).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class DecryptionError(RuntimeError):
    """A stored secret could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("No encryption key is configured.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "SCHILDWACHT_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes)."
        ) from exc


def encrypt(plaintext: str) -> str:
    return _fernet(tuple(settings.SCHILDWACHT_ENCRYPTION_KEYS)).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(tuple(settings.SCHILDWACHT_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "A stored secret cannot be decrypted: the encryption key differs from the one it "
            "was written with (restore the key from the backup)."
        ) from exc


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; reads give the plaintext back."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)
