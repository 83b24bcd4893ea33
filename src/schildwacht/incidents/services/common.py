"""What every incident service shares: the refusal, who may do what, snapshots and checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.incidents.models import Incident, TimelineEntry
from schildwacht.lib.text import has_control_character
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_ids

LINK_FIELDS = ("applications", "suppliers", "schools", "plan_measures")
# A time a little ahead of the server's clock is a clock difference, not a time in the future.
CLOCK_SKEW = dt.timedelta(minutes=5)
# No register reaches back this far; and a moment before year 1 in UTC is one the database
# cannot hold (a 500 instead of an error on the field).
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MAX_TEXT = 20000
# Control characters other than tab and newlines: PostgreSQL refuses NUL in text (a 500), and
# the others are never meant in a report, a letter or a notification to the AP.
# The largest id a database key holds; a larger number is no id.
MAX_ID = 2**63 - 1


class IncidentRefused(PermissionDenied):
    """The actor reaches the incident (or organisation) but may not do this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def user_of(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def name_of(actor: Actor) -> str:
    user = user_of(actor)
    if user is None:
        return actor.label or _("systeem")
    return str(user.full_name or user.email)[:200]


def may(actor: Actor, incident: Incident, action: str = "change") -> bool:
    """Whether ``actor`` may ``action`` ("view", "change", "advise") ``incident``.

    The same rule as every list and page: ``Incident.objects.for_user``.
    """
    if actor.user is None:
        return True
    return Incident.objects.for_user(actor.user, action).filter(pk=incident.pk).exists()


def may_report(actor: Actor, organisation: Organisation) -> bool:
    """Whether ``actor`` may report an incident for ``organisation`` (``report:incidents``)."""
    if actor.user is None:
        return True
    return organisation.pk in organisation_ids(actor.user, "report", "incidents")


def require(actor: Actor, incident: Incident, action: str = "change") -> None:
    if may(actor, incident, action):
        return
    if action == "advise":
        raise IncidentRefused(_("Alleen de functionaris gegevensbescherming schrijft het advies."))
    if incident.is_breach:
        raise IncidentRefused(
            _("Alleen de privacy officer of de IBP-coördinator behandelt dit datalek.")
        )
    raise IncidentRefused(_("U mag dit incident lezen, maar niet behandelen."))


def require_open(incident: Incident) -> None:
    if incident.closed:
        raise IncidentRefused(
            _("Dit incident is afgesloten. Heropen het om nog iets te wijzigen of toe te voegen.")
        )


def require_breach(incident: Incident) -> None:
    if not incident.is_breach:
        raise IncidentRefused(
            _("Dit hoort alleen bij een datalek. Wijzig eerst de soort van het incident.")
        )


def links_of(incident: Incident) -> dict[str, list[int]]:
    if incident.pk is None:
        return {name: [] for name in LINK_FIELDS}
    return {
        name: sorted(getattr(incident, name).values_list("pk", flat=True)) for name in LINK_FIELDS
    }


def incident_snapshot(
    incident: Incident, links: dict[str, list[int]] | None = None
) -> dict[str, Any]:
    if links is None:
        links = links_of(incident)
    return {**model_snapshot(incident), **{name: sorted(ids) for name, ids in links.items()}}


def write_links(incident: Incident, links: dict[str, list[int] | None]) -> None:
    for name, ids in links.items():
        if ids is not None:
            getattr(incident, name).set(ids)


def ids_of(values: Iterable[Any]) -> set[int]:
    """The ids of ``values`` (objects or numbers); ValueError for anything that is no id."""
    if isinstance(values, str | bytes):
        raise ValueError("not a list")
    ids = {value.pk if isinstance(value, Model) else int(value) for value in values}
    if any(not 1 <= pk <= MAX_ID for pk in ids):
        raise ValueError("not an id")
    return ids


def clean_ids(
    name: str, values: Any, allowed: QuerySet[Any], errors: dict[str, list[str]]
) -> list[int]:
    """The ids of ``values`` that ``allowed`` holds; the rest is an error on field ``name``."""
    try:
        wanted = ids_of(values or [])
    except (TypeError, ValueError):
        errors[name] = [_("Geef een lijst met nummers.")]
        return []
    found = set(allowed.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = sorted(wanted - found)
    if missing:
        errors[name] = [
            _("Niet gevonden of niet te kiezen: %(ids)s.")
            % {"ids": ", ".join(str(pk) for pk in missing)}
        ]
    return sorted(found)


def check_moment(
    name: str, value: Any, now: dt.datetime, errors: dict[str, list[str]], *, required: bool = False
) -> None:
    """A moment is timezone-aware, not in the future and not before 2000."""
    if value is None:
        if required:
            errors[name] = [_("Vul dit tijdstip in.")]
        return
    if not isinstance(value, dt.datetime):
        errors[name] = [_("Geef een datum en tijd.")]
    elif timezone.is_naive(value):
        errors[name] = [_("Geef een tijdstip met tijdzone.")]
    elif value > now + CLOCK_SKEW:
        errors[name] = [_("Dit tijdstip ligt in de toekomst.")]
    elif value < EARLIEST:
        errors[name] = [_("Deze datum ligt vóór 2000.")]


def check_text(name: str, value: Any, errors: dict[str, list[str]], limit: int = MAX_TEXT) -> Any:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = [_("Geef tekst.")]
        return value
    value = value.strip()
    if has_control_character(value):
        errors[name] = [_("De waarde bevat een ongeldig (onzichtbaar) teken.")]
    elif len(value) > limit:
        errors[name] = [_("Gebruik hoogstens %(max)s tekens.") % {"max": limit}]
    return value


def timeline_entry(
    actor: Actor, incident: Incident, text: str, at: dt.datetime | None = None
) -> tuple[TimelineEntry, Change]:
    """A new (unsaved-then-saved) automatic timeline entry and its audit change.

    Call inside the caller's transaction, after ``incident`` is saved.
    """
    entry = TimelineEntry.objects.create(
        incident=incident,
        at=at or timezone.now(),
        text=text,
        author=user_of(actor),
        author_name=name_of(actor),
    )
    return entry, change_for(AuditAction.CREATE, entry, None, model_snapshot(entry))


def save_with_line(
    actor: Actor,
    incident: Incident,
    before: dict[str, Any],
    text: str,
    fields: list[str] | None = None,
) -> None:
    """Save ``incident`` (changed since the snapshot ``before``) with a timeline line saying
    what happened, and audit both in one transaction."""
    with transaction.atomic():
        incident.save(update_fields=fields)
        _entry, entry_change = timeline_entry(actor, incident, text)
        record_changes(
            actor,
            [
                change_for(AuditAction.UPDATE, incident, before, incident_snapshot(incident)),
                entry_change,
            ],
        )
