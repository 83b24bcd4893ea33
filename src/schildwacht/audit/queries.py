"""Reads of the audit trail for the browser: which organisations, which entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet

from schildwacht.audit.models import AuditEntry
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_ids

DISPLAY_ZONE = ZoneInfo("Europe/Amsterdam")


def audit_organisations(user: Any) -> list[Organisation]:
    """The organisations whose audit trail ``user`` may read, in tree order."""
    ids = organisation_ids(user, "view", "audit")
    if not ids:
        return []
    return list(Organisation.objects.filter(pk__in=ids).order_by("path"))


@dataclass(frozen=True)
class AuditFilter:
    """What the browser narrows the trail to; empty values do not filter."""

    organisation: Organisation | None = None
    action: str = ""
    object_type: str = ""
    actor: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _start_of(day: dt.date) -> dt.datetime:
    # Dates are days in the Netherlands, so the bounds are local midnights.
    return dt.datetime.combine(day, dt.time.min, tzinfo=DISPLAY_ZONE)


def audit_entries(user: Any, selection: AuditFilter) -> QuerySet[AuditEntry]:
    """Entries ``user`` may read, narrowed by ``selection``, newest first.

    An organisation selection includes everything below it (a board with its schools).
    """
    entries = AuditEntry.objects.for_user(user, "view").select_related("payload", "organisation")
    if selection.organisation is not None:
        entries = entries.filter(organisation__path__startswith=selection.organisation.path)
    if selection.action:
        entries = entries.filter(action=selection.action)
    if selection.object_type:
        entries = entries.filter(object_type=selection.object_type)
    if selection.actor:
        entries = entries.filter(actor_label__icontains=selection.actor)
    if selection.date_from:
        entries = entries.filter(created_at__gte=_start_of(selection.date_from))
    if selection.date_to:
        entries = entries.filter(created_at__lt=_start_of(selection.date_to + dt.timedelta(days=1)))
    return entries.order_by("-id")


def object_types(user: Any) -> list[str]:
    """The object types that occur in the part of the trail ``user`` may read, by their label."""
    types = (
        AuditEntry.objects.for_user(user, "view")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )
    return sorted(types, key=lambda label: object_type_label(label).casefold())


def object_type_label(object_type: str) -> str:
    """What an entry's ``object_type`` is called for people: the model's verbose name.

    Types that are not a model label (events such as ``operations.backup``) keep their code.
    """
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)


def field_label(object_type: str, name: str) -> str:
    """What a changed field is called for people: the model field's verbose name, else its code."""
    try:
        return str(apps.get_model(object_type)._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


@dataclass(frozen=True)
class EntryRow:
    """One entry as the browser shows it: the entry, its field changes, and whether erased."""

    entry: AuditEntry
    changes: list[tuple[str, Any, Any]]
    erased: bool


def entry_rows(entries: Any) -> list[EntryRow]:
    """Shape a page of entries (payload already joined) for display."""
    rows = []
    for entry in entries:
        payload = getattr(entry, "payload", None)
        erased = payload is None or payload.erased_at is not None
        changes = (payload.changes or {}) if payload is not None else {}
        rows.append(
            EntryRow(
                entry=entry,
                changes=[
                    (field_label(entry.object_type, name), values[0], values[1])
                    for name, values in sorted(changes.items())
                    if isinstance(values, list | tuple) and len(values) == 2
                ],
                erased=erased,
            )
        )
    return rows
