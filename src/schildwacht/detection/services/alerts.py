"""Alerts: merging what a run of the rules found into the board's alerts, handling them
(status, note, incident) and telling the IBP coordinators about new serious ones.

Every run looks at the board's whole stored history of the sources involved, so the same
attack is found again by every later run. Found alerts of one rule and entity whose spans
overlap or lie within the rule's window of each other (its Sigma ``window`` or correlation
``timespan``; an hour when it names none) form one cluster; a cluster that overlaps (or lies
within that gap of) an alert the board already has updates that alert (span, count,
sample) instead of adding one. A handled alert keeps its status: a false alarm stays one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.detection.engine.alerts import Alert
from schildwacht.detection.models import (
    AlertStatus,
    DetectionAlert,
    LogUpload,
    Severity,
)
from schildwacht.detection.services.common import clean_text, require, user_of
from schildwacht.incidents import services as incident_services
from schildwacht.incidents.models import Incident, IncidentKind, PersonalData
from schildwacht.lib.text import has_control_character
from schildwacht.operations.notifications import notify
from schildwacht.organisations.models import Membership, Organisation
from schildwacht.organisations.roles import Role

SAMPLE_SIZE = 10
MAX_NOTE = 4000
# Severities that e-mail the IBP coordinators when a new alert of them comes in.
URGENT = (Severity.HIGH, Severity.CRITICAL)


@dataclass
class Found:
    """A cluster of alerts one run found for one rule and entity, with their sample events."""

    rule_id: str
    title: str
    severity: str
    kind: str
    entity: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    count: int
    keys: list[str] = field(default_factory=list)
    # The rule's window: matches further apart than this are separate alerts.
    gap: dt.timedelta = dt.timedelta(hours=1)
    complete: bool = True  # every matching event's key is in ``keys`` (count is exact)
    sample: list[dict[str, Any]] = field(default_factory=list)

    def add(self, alert: Found) -> None:
        self.first_seen = min(self.first_seen, alert.first_seen)
        self.last_seen = max(self.last_seen, alert.last_seen)
        if self.complete and alert.complete:
            # Pairs (impossible travel) share an event: count each event once.
            self.keys = list(dict.fromkeys([*self.keys, *alert.keys]))
            self.count = len(self.keys)
        else:
            self.keys = list(dict.fromkeys([*self.keys, *alert.keys]))
            self.count += alert.count
            self.complete = False


@dataclass
class MergeResult:
    created: list[DetectionAlert] = field(default_factory=list)
    updated: list[DetectionAlert] = field(default_factory=list)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _severity(level: str) -> str:
    return level if level in Severity.values else Severity.MEDIUM


def _near(found: Found, other_first: Any, other_last: Any) -> bool:
    """Whether ``found`` and another span overlap or lie within the rule's window."""
    gap = found.gap
    return bool(found.first_seen <= other_last + gap and other_first <= found.last_seen + gap)


def cluster(alerts: Iterable[Alert]) -> list[Found]:
    """The engine's alerts as clusters per rule and entity (see the module docstring)."""
    by_key: dict[tuple[str, str], list[Found]] = {}
    for alert in sorted(alerts, key=lambda a: (a.rule_id, a.entity, a.first_seen)):
        found = Found(
            rule_id=clean_text(alert.rule_id, 200),
            title=clean_text(alert.title, 300),
            severity=_severity(alert.severity),
            kind=clean_text(alert.kind, 20),
            entity=clean_text(alert.entity, 500),
            first_seen=_aware(alert.first_seen),
            last_seen=_aware(alert.last_seen),
            count=alert.count,
            keys=list(alert.event_keys),
            gap=dt.timedelta(seconds=alert.window_seconds),
            complete=alert.count <= len(alert.event_keys),
        )
        group = by_key.setdefault((found.rule_id, found.entity), [])
        if group and _near(found, group[-1].first_seen, group[-1].last_seen):
            group[-1].add(found)
        else:
            group.append(found)
    return [found for group in by_key.values() for found in group]


def _sample(found: Found, events: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [events[key] for key in found.keys if key in events]
    rows.sort(key=lambda row: (str(row.get("event_time")), str(row.get("event_key"))))
    return [{name: clean_text(value) for name, value in row.items()} for row in rows][:SAMPLE_SIZE]


def _merged_sample(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[Any, dict[str, Any]] = {}
    for row in [*old, *new]:
        seen.setdefault(row.get("event_key"), row)
    rows = sorted(
        seen.values(), key=lambda row: (str(row.get("event_time")), str(row.get("event_key")))
    )
    return rows[:SAMPLE_SIZE]


def _existing(
    board: Organisation, clusters: Sequence[Found]
) -> dict[tuple[str, str], list[DetectionAlert]]:
    """The board's alerts a cluster may merge into: same rules, near enough in time."""
    if not clusters:
        return {}
    earliest = min(found.first_seen - found.gap for found in clusters)
    rows = DetectionAlert.objects.filter(
        organisation=board,
        rule_id__in={found.rule_id for found in clusters},
        entity__in={found.entity for found in clusters},
        last_seen__gte=earliest,
    ).order_by("first_seen", "pk")
    existing: dict[tuple[str, str], list[DetectionAlert]] = {}
    for alert in rows:
        existing.setdefault((alert.rule_id, alert.entity), []).append(alert)
    return existing


def merge_alerts(
    actor: Actor,
    board: Organisation,
    upload: LogUpload | None,
    clusters: Sequence[Found],
    events: dict[str, dict[str, Any]],
) -> MergeResult:
    """Create or update the board's alerts from ``clusters`` (samples from ``events`` by key).

    Call inside the caller's transaction: the alerts and their audit entries are written with
    whatever else the run records.
    """
    result = MergeResult()
    existing = _existing(board, clusters)
    changes: list[Change] = []
    new_alerts: list[DetectionAlert] = []
    for found in clusters:
        sample = _sample(found, events)
        candidates = existing.get((found.rule_id, found.entity), [])
        match = next(
            (a for a in candidates if _near(found, a.first_seen, a.last_seen)),
            None,
        )
        if match is None:
            alert = DetectionAlert(
                organisation=board,
                rule_id=found.rule_id,
                title=found.title,
                severity=found.severity,
                kind=found.kind,
                entity=found.entity,
                first_seen=found.first_seen,
                last_seen=found.last_seen,
                count=found.count,
                sample=sample,
                upload=upload,
            )
            new_alerts.append(alert)
            candidates.append(alert)
            existing[(found.rule_id, found.entity)] = candidates
            continue
        before = model_snapshot(match)
        old_first, old_last, old_count = match.first_seen, match.last_seen, match.count
        match.first_seen = min(old_first, found.first_seen)
        match.last_seen = max(old_last, found.last_seen)
        if found.first_seen <= old_first and found.last_seen >= old_last:
            # The run saw the whole span again (and more): its count is the count. After a
            # purge it may see less than before; the alert keeps the larger count.
            match.count = max(old_count, found.count)
        elif found.first_seen > old_last or found.last_seen < old_first:
            match.count = old_count + found.count  # next to it, not overlapping
        else:
            match.count = max(old_count, found.count)
        match.sample = _merged_sample(match.sample or [], sample)
        match.title = found.title
        match.severity = found.severity
        after = model_snapshot(match)
        if after != before and match.pk is not None:
            changes.append(change_for(AuditAction.UPDATE, match, before, after))
            match.save()
            result.updated.append(match)
    created = DetectionAlert.objects.bulk_create(new_alerts) if new_alerts else []
    changes.extend(
        change_for(AuditAction.CREATE, alert, None, model_snapshot(alert)) for alert in created
    )
    record_changes(actor, changes)
    result.created = list(created)
    return result


def coordinators_of(board: Organisation) -> list[str]:
    """E-mail addresses of the board's active IBP coordinators."""
    return list(
        Membership.objects.filter(
            organisation=board, role=Role.SECURITY_OFFICER.value, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )


def notify_new_alerts(
    board: Organisation, upload: LogUpload, alerts: Sequence[DetectionAlert]
) -> int:
    """One e-mail per run to the IBP coordinators about new high or critical alerts.

    The mail names no account or address: the rules' titles, how many, and a link. Queued on
    commit of the caller's transaction. Returns how many alerts it tells about.
    """
    urgent = [alert for alert in alerts if alert.severity in URGENT]
    if not urgent:
        return 0
    from schildwacht.detection.queries import rule_title

    titles: dict[str, int] = {}
    with translation.override("nl"):
        for alert in urgent:
            title = rule_title(alert.rule_id, alert.title)
            titles[title] = titles.get(title, 0) + 1
    notify(
        coordinators_of(board),
        "detection/email/new_alerts.txt",
        {
            "board": board,
            "count": len(urgent),
            "titles": sorted(titles.items()),
            "site_url": settings.SITE_URL.rstrip("/"),
            "path": reverse("detection:alerts") + "?status=new",
            "upload_path": reverse("detection:upload_detail", args=[upload.pk]),
        },
    )
    return len(urgent)


# Handling ---------------------------------------------------------------------------------------


def _check_note(note: Any, errors: dict[str, list[str]]) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        errors["note"] = [_("Geef tekst.")]
        return ""
    note = note.strip()
    if has_control_character(note):
        errors["note"] = [_("De waarde bevat een ongeldig (onzichtbaar) teken.")]
    elif len(note) > MAX_NOTE:
        errors["note"] = [_("Gebruik hoogstens %(max)s tekens.") % {"max": MAX_NOTE}]
    return note


def linkable_incidents(actor: Actor, board: Organisation) -> Any:
    """Incidents of the board (and its schools) the actor reads: an alert may point at one."""
    incidents = (
        Incident.objects.all()
        if actor.user is None
        else Incident.objects.for_user(actor.user, own=False)
    )
    return incidents.filter(organisation__path__startswith=board.path)


def change_alert_status(
    actor: Actor,
    alert: DetectionAlert,
    status: Any,
    note: Any = None,
    incident: Incident | int | None = None,
) -> DetectionAlert:
    """Set an alert's status (new, triaged, false alarm, incident) with a note.

    A false alarm says why; "incident" needs the incident it became (an existing one of the
    board, or one made with ``create_incident_from_alert``). ``note`` None keeps the note.
    """
    require(actor, alert.organisation)
    errors: dict[str, list[str]] = {}
    if status not in AlertStatus.values:
        errors["status"] = [_("Kies een van de statussen.")]
    new_note = alert.note if note is None else _check_note(note, errors)
    linked = alert.incident
    if incident is not None:
        pk = incident.pk if isinstance(incident, Model) else incident
        linked = (
            linkable_incidents(actor, alert.organisation).filter(pk=pk).first()
            if isinstance(pk, int) and not isinstance(pk, bool) and 0 < pk < 2**63
            else None
        )
        if linked is None:
            errors["incident"] = [_("Kies een incident van dit bestuur.")]
    if status == AlertStatus.INCIDENT and linked is None and "incident" not in errors:
        errors["incident"] = [
            _("Koppel het incident waar dit signaal bij hoort, of maak er een incident van.")
        ]
    if status == AlertStatus.FALSE_POSITIVE and not new_note and "note" not in errors:
        errors["note"] = [_("Leg uit waarom dit een vals alarm is.")]
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(alert)
    alert.status = status
    alert.note = new_note
    alert.incident = linked
    alert.handled_by = user_of(actor)
    alert.handled_at = timezone.now()
    after = model_snapshot(alert)
    change = change_for(AuditAction.UPDATE, alert, before, after)
    if not change.changes:
        return alert
    with transaction.atomic():
        alert.save(
            update_fields=["status", "note", "incident", "handled_by", "handled_at", "updated_at"]
        )
        record_change(actor, change)
    return alert


def create_incident_from_alert(actor: Actor, alert: DetectionAlert, note: Any = None) -> Incident:
    """Report a cyber incident for the alert (through the incidents services, so it is in the
    register with its timeline) and link the alert to it, status "incident"."""
    require(actor, alert.organisation)
    if alert.incident_id is not None:
        raise ValidationError({"incident": [_("Dit signaal is al aan een incident gekoppeld.")]})
    local = timezone.localtime
    description = _(
        "Signaal van de loganalyse: %(title)s.\n"
        "Over: %(entity)s.\n"
        "Gebeurtenissen: %(count)s, van %(first)s tot %(last)s.\n"
        "Regel: %(rule)s.\n"
        "Zie %(url)s."
    ) % {
        "title": alert.title,
        "entity": alert.entity,
        "count": alert.count,
        "first": local(alert.first_seen).strftime("%d-%m-%Y %H:%M"),
        "last": local(alert.last_seen).strftime("%d-%m-%Y %H:%M"),
        "rule": alert.rule_id,
        "url": settings.SITE_URL.rstrip("/") + alert.get_absolute_url(),
    }
    with transaction.atomic():
        incident = incident_services.report_incident(
            actor,
            alert.organisation,
            title=(_("Signaal: %(title)s") % {"title": alert.title})[:200],
            description=description,
            kind=IncidentKind.CYBER,
            # Whether personal data were reached is for the privacy officer to find out; until
            # then the incident says "unknown".
            personal_data=PersonalData.UNKNOWN,
            occurred_at=min(alert.first_seen, timezone.now()),
            discovered_at=min(alert.created_at, timezone.now()),
        )
        change_alert_status(actor, alert, AlertStatus.INCIDENT, note=note, incident=incident)
    return incident
