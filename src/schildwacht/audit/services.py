"""Writing and checking the audit trail.

Services of every app call ``record_change`` (or ``record_changes`` for bulk writes) inside
their own transaction. The chain head row is locked first, so concurrent writers queue instead
of forking the chain; on SQLite the IMMEDIATE transaction mode already serialises writers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext

from schildwacht.audit.models import AuditAction, AuditEntry, AuditPayload, ChainHead

GENESIS_HASH = "0" * 64


class AuditError(RuntimeError):
    """The audit trail was asked to do something it must not (e.g. write outside a transaction)."""


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a signed-in user, a user through an API token, or a command."""

    user: Any = None
    token_id: int | None = None
    label: str = ""

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        """The actor for a request's user; API requests carry their token on the user."""
        token = getattr(user, "api_token", None)
        if token is not None:
            return cls(user=user, token_id=token.pk, label=f"{user.email} (token {token.name})")
        return cls(user=user, label=user.email)

    @classmethod
    def system(cls, what: str) -> Actor:
        """A command or background job acting on its own, e.g. ``system("demo")``."""
        return cls(label=f"systeem: {what}")


@dataclass
class Change:
    """One audit record to write: what happened to which object, with before/after values."""

    action: str
    object_type: str
    object_id: str = ""
    object_repr: str = ""
    organisation_id: int | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def audit_fields(instance: models.Model) -> list[str]:
    """Fields that are recorded: the model's ``audit_fields``, or every concrete field."""
    declared = getattr(instance, "audit_fields", None)
    if declared is not None:
        return list(declared)
    return [f.name for f in instance._meta.concrete_fields if not f.primary_key]


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited field values of ``instance`` as JSON-safe data (foreign keys as ids)."""
    values: dict[str, Any] = {}
    for name in audit_fields(instance):
        model_field = instance._meta.get_field(name)
        attname = getattr(model_field, "attname", name)
        values[name] = _jsonable(getattr(instance, attname))
    return values


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field whose value differs.

    An empty value ("" or None) next to another empty value is no change: a new object's blank
    fields are left out rather than recorded as "nothing → nothing".
    """
    before = before or {}
    after = after or {}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
        and not (_is_empty(before.get(key)) and _is_empty(after.get(key)))
    }


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def change_for(
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> Change:
    """A ``Change`` describing ``action`` on a model instance (scope taken from the instance)."""
    organisation = getattr(instance, "organisation", None)
    return Change(
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk or ""),
        object_repr=str(instance)[:200],
        organisation_id=organisation.pk if organisation is not None else None,
        changes=diff(before, after),
    )


def _canonical(data: Any) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def payload_digest(changes: dict[str, list[Any]] | None) -> str:
    return hashlib.sha256(_canonical(changes or {})).hexdigest()


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash of one entry: previous hash plus the entry's own fields, canonically encoded."""
    return hashlib.sha256(prev_hash.encode() + _canonical(fields)).hexdigest()


def _hashed_fields(entry: dict[str, Any]) -> dict[str, Any]:
    created = entry["created_at"]
    return {
        "created_at": created.astimezone(dt.UTC).isoformat(),
        "actor_user_id": entry["actor_user_id"],
        "actor_token_id": entry["actor_token_id"],
        "actor_label": entry["actor_label"],
        "organisation_id": entry["organisation_id"],
        "action": entry["action"],
        "object_type": entry["object_type"],
        "object_id": entry["object_id"],
        "object_repr": entry["object_repr"],
        "payload_digest": entry["payload_digest"],
    }


def _lock_head() -> ChainHead:
    """Lock the chain head row; every writer queues on this lock."""
    head = ChainHead.objects.select_for_update().filter(pk=ChainHead.SINGLETON_ID).first()
    if head is None:
        # A migration creates the row; a flushed database (tests) has none. Inserting with
        # ON CONFLICT DO NOTHING lets concurrent first writers all succeed, then all lock it.
        ChainHead.objects.bulk_create(
            [ChainHead(pk=ChainHead.SINGLETON_ID, last_hash=GENESIS_HASH)], ignore_conflicts=True
        )
        head = ChainHead.objects.select_for_update().get(pk=ChainHead.SINGLETON_ID)
    return head


def record_changes(actor: Actor, changes: Sequence[Change]) -> list[AuditEntry]:
    """Append ``changes`` to the chain in order, in the caller's transaction.

    Bulk writes call this once with all their records; the head is locked once.
    """
    if not changes:
        return []
    if not connection.in_atomic_block:
        raise AuditError("audit records are written inside the transaction of the change")
    head = _lock_head()
    now = timezone.now().astimezone(dt.UTC)
    prev = head.last_hash
    entries: list[AuditEntry] = []
    for change in changes:
        row = {
            "created_at": now,
            "actor_user_id": actor.user.pk if actor.user is not None else None,
            "actor_token_id": actor.token_id,
            "actor_label": (actor.label or "?")[:200],
            "organisation_id": change.organisation_id,
            "action": change.action,
            "object_type": change.object_type,
            "object_id": change.object_id[:64],
            "object_repr": change.object_repr[:200],
            "payload_digest": payload_digest(change.changes),
        }
        digest = entry_hash(prev, _hashed_fields(row))
        entries.append(AuditEntry(**row, prev_hash=prev, hash=digest))
        prev = digest
    created = AuditEntry.objects.bulk_create(entries)
    AuditPayload.objects.bulk_create(
        AuditPayload(entry_id=entry.pk, changes=change.changes)
        for entry, change in zip(created, changes, strict=True)
    )
    head.last_entry_id = created[-1].pk
    head.last_hash = prev
    head.save(update_fields=["last_entry_id", "last_hash"])
    return created


def record_change(actor: Actor, change: Change) -> AuditEntry:
    """Append one change to the chain (see ``record_changes``)."""
    return record_changes(actor, [change])[0]


def record_event(
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: str = "",
    object_repr: str = "",
    organisation_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record an event that is not a model change (a login, an export), in its own transaction."""
    change = Change(
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        organisation_id=organisation_id,
        changes={key: [None, _jsonable(value)] for key, value in (details or {}).items()},
    )
    with transaction.atomic():
        return record_change(actor, change)


@dataclass(frozen=True)
class ChainReport:
    """The outcome of ``verify_chain``."""

    checked: int
    broken_entry_id: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_entry_id is None and not self.reason


_ENTRY_FIELDS = (
    "id",
    "created_at",
    "actor_user_id",
    "actor_token_id",
    "actor_label",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "payload_digest",
    "prev_hash",
    "hash",
)


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Recompute the whole chain; report the first entry whose hash or payload does not match."""
    prev = GENESIS_HASH
    checked = 0
    last_id: int | None = None
    while True:
        rows = list(
            AuditEntry.objects.filter(id__gt=last_id or 0)
            .order_by("id")
            .values(*_ENTRY_FIELDS, "payload__changes", "payload__erased_at")[:batch_size]
        )
        if not rows:
            break
        for row in rows:
            if row["prev_hash"] != prev:
                return ChainReport(
                    checked, row["id"], gettext("de vorige hash klopt niet met de regel ervoor")
                )
            if entry_hash(prev, _hashed_fields(row)) != row["hash"]:
                return ChainReport(
                    checked, row["id"], gettext("de hash klopt niet met de velden van de regel")
                )
            if row["payload__erased_at"] is None and (
                payload_digest(row["payload__changes"]) != row["payload_digest"]
            ):
                return ChainReport(
                    checked, row["id"], gettext("de voor- en na-waarden zijn gewijzigd")
                )
            prev = row["hash"]
            checked += 1
            last_id = row["id"]
    head = ChainHead.objects.filter(pk=ChainHead.SINGLETON_ID).first()
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_hash != prev:
        return ChainReport(
            checked,
            head.last_entry_id if head else None,
            gettext("de nieuwste regels ontbreken (de ketenkop klopt niet)"),
        )
    return ChainReport(checked)


def erase_expired_payloads(actor: Actor, older_than: dt.datetime) -> int:
    """Erase before/after values of entries older than ``older_than``; the chain still verifies.

    Used when the retention of personal data ends. Records one entry saying how many.
    """
    with transaction.atomic():
        payloads = AuditPayload.objects.filter(
            erased_at__isnull=True, entry__created_at__lt=older_than
        )
        count = payloads.update(changes=None, erased_at=timezone.now())
        if count:
            record_change(
                actor,
                Change(
                    action=AuditAction.ERASE,
                    object_type="audit.auditpayload",
                    object_repr=f"{count}",
                    changes={"erased": [None, count], "older_than": [None, older_than.isoformat()]},
                ),
            )
    return count


def iter_entries(entries: Iterable[AuditEntry]) -> Iterable[tuple[AuditEntry, dict[str, Any]]]:
    """Entries with their before/after values (empty when erased), for display and export."""
    for entry in entries:
        payload = getattr(entry, "payload", None)
        yield entry, (payload.changes or {}) if payload is not None else {}
