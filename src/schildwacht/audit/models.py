"""The append-only, hash-chained audit trail.

Each entry's hash covers the previous entry's hash and the entry's own fields, including a
digest of its before/after values. The values themselves live in ``AuditPayload`` beside the
chain, so personal data in them can be erased when its retention ends while the chain still
verifies.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from schildwacht.organisations.scoping import ScopedQuerySet


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


class AuditEntryQuerySet(ScopedQuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit entries are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries are append-only")


class AuditAction(models.TextChoices):
    CREATE = "create", _("aangemaakt")
    UPDATE = "update", _("gewijzigd")
    DELETE = "delete", _("verwijderd")
    LOGIN = "login", _("ingelogd")
    LOGIN_FAILED = "login_failed", _("inloggen mislukt")
    LOGOUT = "logout", _("uitgelogd")
    ERASE = "erase", _("persoonsgegevens gewist")
    RESTORE = "restore", _("teruggezet uit back-up")


class AuditEntry(models.Model):
    """One recorded change: who (user or token), when, where, what, and a digest of the values.

    Foreign keys carry no database constraint and never cascade: an entry keeps the ids it was
    written with, even after the user or organisation is gone, so its hash stays valid.
    """

    created_at = models.DateTimeField(_("tijdstip"), db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gebruiker"),
    )
    actor_token_id = models.BigIntegerField(_("API-token"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=200)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    action = models.CharField(_("handeling"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("objectsoort"), max_length=100)
    object_id = models.CharField(_("object-id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    payload_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()
    scope_area = "audit"

    class Meta:
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditregels")
        ordering = ["-id"]
        indexes = [models.Index(fields=["organisation", "-id"], name="audit_org_recent")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries are append-only")


class AuditPayload(models.Model):
    """The before/after values of one entry: {field: [before, after]}; erasable."""

    entry = models.OneToOneField(
        AuditEntry,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="payload",
    )
    changes = models.JSONField(null=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("auditwaarden")
        verbose_name_plural = _("auditwaarden")

    def __str__(self) -> str:
        return f"waarden van #{self.entry_id}"


class ChainHead(models.Model):
    """The single row that holds the newest entry's number and hash.

    Writers lock this row (SELECT … FOR UPDATE) in their own transaction before appending, so
    two concurrent writers can never both chain onto the same previous entry.
    """

    last_entry_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64)

    SINGLETON_ID: ClassVar[int] = 1

    class Meta:
        verbose_name = _("ketenkop")

    def __str__(self) -> str:
        return f"keten tot #{self.last_entry_id}"
