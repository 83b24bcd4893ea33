"""Users, their second factors, API tokens and the boards' own identity providers."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP, hotp

from schildwacht.accounts.encryption import EncryptedTextField
from schildwacht.organisations.scoping import ScopedQuerySet


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A person who signs in with an e-mail address.

    ``session_generation`` goes up on "log out everywhere" and on a password reset; sessions
    that remember an older generation are ended by the middleware.
    """

    email = models.EmailField(_("e-mailadres"), unique=True)
    full_name = models.CharField(_("naam"), max_length=200, blank=True)
    is_active = models.BooleanField(_("actief"), default=True)
    date_joined = models.DateTimeField(_("aangemaakt"), default=timezone.now)
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    audit_fields: ClassVar[list[str]] = ["email", "full_name", "is_active"]

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def has_authenticator(self) -> bool:
        return AuthenticatorDevice.objects.filter(user=self, confirmed=True).exists()


# Exactly six ASCII digits: str.isdigit() also accepts digits such as "²" that int() refuses.
_TOTP_CODE = re.compile(r"[0-9]{6}")


def looks_like_totp(token: str) -> bool:
    """Whether ``token`` has the form of a TOTP code (six ASCII digits)."""
    return _TOTP_CODE.fullmatch(token) is not None


class AuthenticatorDevice(ThrottlingMixin, Device):
    """A TOTP authenticator app (RFC 6238); the shared secret is stored encrypted.

    ``last_t`` is the last time step accepted, so a code cannot be used twice.
    """

    secret = EncryptedTextField()
    last_t = models.BigIntegerField(default=-1)
    digits = 6
    step = 30
    drift = 1

    class Meta:
        verbose_name = _("authenticator-app")

    def get_throttle_factor(self) -> int:
        return 1

    def current_step(self) -> int:
        return int(TOTP(bytes.fromhex(self.secret), step=self.step, digits=self.digits).t())

    def code_at(self, step: int) -> int:
        return hotp(bytes.fromhex(self.secret), step, self.digits)

    def verify_token(self, token: Any) -> bool:
        verify_allowed, _data = self.verify_is_allowed()
        if not verify_allowed:
            return False
        text = str(token).strip().replace(" ", "")
        if not looks_like_totp(text):
            self.throttle_increment()
            return False
        now = self.current_step()
        for step in range(now - self.drift, now + self.drift + 1):
            # Steps at or before the last accepted one are spent: no code works twice.
            if step > self.last_t and self.code_at(step) == int(text):
                self.last_t = step
                self.throttle_reset(commit=False)
                self.save(
                    update_fields=[
                        "last_t",
                        "throttling_failure_count",
                        "throttling_failure_timestamp",
                    ]
                )
                return True
        self.throttle_increment()
        return False


class RecoveryCodeDevice(Device):
    """Single-use recovery codes, for when the authenticator app is lost. Stored hashed."""

    class Meta:
        verbose_name = _("herstelcodes")

    def verify_token(self, token: Any) -> bool:
        normalised = str(token).replace("-", "").replace(" ", "").lower()
        match = self.codes.filter(code_hash=hash_secret(normalised), used_at__isnull=True).first()
        if match is None:
            return False
        match.used_at = timezone.now()
        match.save(update_fields=["used_at"])
        return True


class RecoveryCode(models.Model):
    """One recovery code (hashed); used once."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"herstelcode {self.pk} ({'gebruikt' if self.used_at else 'ongebruikt'})"


def hash_secret(value: str) -> str:
    """Hash for high-entropy random secrets (tokens, recovery codes): SHA-256 is enough here."""
    return hashlib.sha256(value.encode()).hexdigest()


class ProviderKind(models.TextChoices):
    ENTRA = "entra", _("Microsoft Entra ID")
    GOOGLE = "google", _("Google Workspace")


class IdentityProviderQuerySet(ScopedQuerySet["IdentityProvider"]):
    pass


class IdentityProvider(models.Model):
    """A board's own OpenID Connect provider (Entra ID or Google Workspace).

    Users whose e-mail domain is listed sign in there, with that provider's MFA. The client
    secret is stored encrypted.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="identity_providers",
        verbose_name=_("bestuur"),
    )
    kind = models.CharField(_("soort"), max_length=20, choices=ProviderKind.choices)
    name = models.CharField(_("naam"), max_length=100)
    issuer = models.URLField(_("issuer (uitgever)"))
    client_id = models.CharField(_("client-id"), max_length=255)
    client_secret = EncryptedTextField(_("clientgeheim"))
    email_domains = models.CharField(
        _("e-maildomeinen"),
        max_length=500,
        help_text=_("Komma-gescheiden, bijv. regenboog.nl, leerling.regenboog.nl"),
    )
    require_mfa_claim = models.BooleanField(
        _("MFA-bewijs van de provider vereisen"),
        default=True,
        help_text=_("Weiger aanmelding als het ID-token geen MFA meldt (claim 'amr')."),
    )
    enabled = models.BooleanField(_("actief"), default=True)

    objects = IdentityProviderQuerySet.as_manager()
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "kind",
        "name",
        "issuer",
        "client_id",
        "email_domains",
        "require_mfa_claim",
        "enabled",
    ]

    class Meta:
        verbose_name = _("identiteitsprovider")
        verbose_name_plural = _("identiteitsproviders")

    def __str__(self) -> str:
        return self.name

    def domains(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split(",") if d.strip()]


class ProviderDevice(Device):
    """Marks a session whose second factor was given at the board's identity provider.

    It accepts no codes; it exists so that django-otp treats such a session as verified.
    """

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("aanmelding via identiteitsprovider")

    def verify_token(self, token: Any) -> bool:
        return False


TOKEN_PREFIX = "sw_"  # noqa: S105 - a recognisable prefix, not a secret


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A bearer token acting as its user, optionally narrowed to read-only and some organisations.

    Only a SHA-256 hash is stored; the token itself is shown once, at creation.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("naam"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    read_only = models.BooleanField(_("alleen lezen"), default=False)
    organisations = models.ManyToManyField(
        "organisations.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("beperkt tot organisaties"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("verloopt op"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()
    audit_fields: ClassVar[list[str]] = [
        "user",
        "name",
        "prefix",
        "read_only",
        "expires_at",
        "revoked_at",
    ]

    class Meta:
        verbose_name = _("API-token")
        verbose_name_plural = _("API-tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def organisation(self) -> None:
        """Tokens belong to a user, not to one organisation's data."""
        return None

    @staticmethod
    def generate() -> tuple[str, str]:
        """A new token and its hash."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return raw, hash_secret(raw)

    def organisation_paths(self) -> list[str]:
        cached = self.__dict__.get("_paths")
        if cached is None:
            cached = list(self.organisations.values_list("path", flat=True))
            self.__dict__["_paths"] = cached
        return cached

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )
