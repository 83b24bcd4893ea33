"""What follows from an incident: plan measures from the lessons learned, the escalation to
the sector CERT and its contact, and the reminders while a breach waits for a decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.incidents.clock import clock_for, reminders_due
from schildwacht.incidents.models import CertContact, Incident
from schildwacht.incidents.queries import (
    breaches_awaiting_decision,
    linkable_plan_measures,
    reminder_recipients,
)
from schildwacht.incidents.services.common import (
    IncidentRefused,
    check_text,
    incident_snapshot,
    links_of,
    require,
    require_open,
    save_with_line,
    user_of,
)
from schildwacht.operations.notifications import notify
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids, sector_ids
from schildwacht.planning import services as planning_services
from schildwacht.planning.models import Measure


def link_plan_measure(actor: Actor, incident: Incident, measure: Measure | int) -> Incident:
    """Link an existing plan measure (a lesson learned that the plan already carries)."""
    require(actor, incident)
    pk = measure.pk if isinstance(measure, Model) else measure
    found = linkable_plan_measures(actor.user, incident.organisation).filter(pk=pk).first()
    if found is None:
        raise ValidationError(
            {"plan_measure": [_("Kies een maatregel uit het plan van deze organisatie.")]}
        )
    old = links_of(incident)
    if found.pk in old["plan_measures"]:
        return incident
    new = {**old, "plan_measures": sorted([*old["plan_measures"], found.pk])}
    with transaction.atomic():
        incident.plan_measures.add(found)
        record_change(
            actor,
            change_for(
                AuditAction.UPDATE,
                incident,
                incident_snapshot(incident, old),
                incident_snapshot(incident, new),
            ),
        )
    return incident


def create_plan_measure(
    actor: Actor, incident: Incident, *, title: str, description: str = ""
) -> Measure:
    """Put a lesson learned in the plan (``planning.services.create_measure``) and link it.

    The plan's own rule applies: the privacy officer, whose role changes privacy items only,
    may not add plan measures and is told to link an existing one instead.
    """
    require(actor, incident)
    errors: dict[str, list[str]] = {}
    title = check_text("title", title, errors, limit=200)
    description = check_text("description", description, errors)
    if errors:
        raise ValidationError(errors)
    old = links_of(incident)
    with transaction.atomic():
        try:
            measure = planning_services.create_measure(
                actor,
                incident.organisation,
                title=title,
                description=description
                or _("Uit het incident “%(title)s”.") % {"title": incident.title},
            )
        except planning_services.MeasureRefused as error:
            raise IncidentRefused(
                _(
                    "U mag geen maatregelen aan het plan toevoegen (%(reason)s). Vraag de "
                    "IBP-coördinator, of koppel een bestaande maatregel uit het plan."
                )
                % {"reason": error.message}
            ) from error
        incident.plan_measures.add(measure)
        new = {**old, "plan_measures": sorted([*old["plan_measures"], measure.pk])}
        record_change(
            actor,
            change_for(
                AuditAction.UPDATE,
                incident,
                incident_snapshot(incident, old),
                incident_snapshot(incident, new),
            ),
        )
    return measure


def record_cert_shared(actor: Actor, incident: Incident) -> Incident:
    """Record that the prepared escalation was sent to the sector CERT (now)."""
    require(actor, incident)
    require_open(incident)
    if not incident.cert_summary:
        raise ValidationError({"cert_summary": [_("Schrijf eerst de samenvatting voor de CERT.")]})
    before = incident_snapshot(incident)
    incident.cert_shared_at = timezone.now()
    incident.updated_by = user_of(actor)
    save_with_line(
        actor,
        incident,
        before,
        _("Gedeeld met de sector-CERT (%(tlp)s).") % {"tlp": incident.get_cert_tlp_display()},
        ["cert_shared_at", "updated_by", "updated_at"],
    )
    return incident


def may_set_cert_contact(actor: Actor, organisation: Organisation) -> bool:
    """A board's contact: who changes everything of the board; the sector's: its curator."""
    if actor.user is None:
        return True
    if organisation.kind == OrganisationKind.SECTOR:
        return organisation.pk in sector_ids(actor.user, "manage", "catalogues")
    return organisation.kind == OrganisationKind.BOARD and organisation.pk in organisation_ids(
        actor.user, "change", "all"
    )


def set_cert_contact(actor: Actor, organisation: Organisation, **values: Any) -> CertContact:
    """Set where CERT escalations go, for a board or for the whole sector (the sector node)."""
    if not may_set_cert_contact(actor, organisation):
        raise IncidentRefused(
            _("U mag het CERT-contact van %(name)s niet wijzigen.") % {"name": organisation}
        )
    unknown = set(values) - {"name", "email", "phone", "notes"}
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})
    contact = CertContact.objects.filter(organisation=organisation).first()
    before = model_snapshot(contact) if contact is not None else None
    user = user_of(actor)
    if contact is None:
        contact = CertContact(organisation=organisation, created_by=user)
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        setattr(contact, name, check_text(name, value, errors))
    contact.updated_by = user
    try:
        contact.full_clean(exclude=["organisation", "created_by", "updated_by", *errors])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    action = AuditAction.CREATE if before is None else AuditAction.UPDATE
    change = change_for(action, contact, before, model_snapshot(contact))
    if not change.changes:
        return contact
    with transaction.atomic():
        contact.save()
        record_change(actor, change)
    return contact


@dataclass(frozen=True)
class Reminder:
    """One reminder sent: which breach, after how many hours, to whom."""

    incident: Incident
    hours: int
    recipients: list[str]


def send_breach_reminders(actor: Actor, now: dt.datetime | None = None) -> list[Reminder]:
    """E-mail the board's privacy officers and IBP coordinators about every open breach that
    has waited 24 or 48 hours without a decision on notifying; each reminder goes once.

    The e-mail names no personal data: the organisation, the hours and a link.
    """
    now = now or timezone.now()
    candidates = breaches_awaiting_decision(now)
    due: list[tuple[Incident, int]] = []
    for incident in candidates:
        sent = {
            hours
            for hours, stamp in (
                (24, incident.reminder_24_sent_at),
                (48, incident.reminder_48_sent_at),
            )
            if stamp is not None
        }
        due.extend(
            (incident, hours) for hours in reminders_due(incident.reached_board_at, now, sent)
        )
    if not due:
        return []
    recipients = reminder_recipients([incident for incident, _hours in due])
    reminders: list[Reminder] = []
    changes = []
    with transaction.atomic():
        for incident, hours in due:
            field = f"reminder_{hours}_sent_at"
            before = {field: model_snapshot(incident)[field]}
            setattr(incident, field, now)
            incident.save(update_fields=[field])
            changes.append(
                change_for(
                    AuditAction.UPDATE, incident, before, {field: model_snapshot(incident)[field]}
                )
            )
            addresses = [user.email for user in recipients.get(incident.pk, [])]
            clock = clock_for(incident.aware_at, now) if incident.aware_at else None
            notify(
                addresses,
                "incidents/email/breach_reminder.txt",
                {
                    "incident": incident,
                    "hours": hours,
                    "clock": clock,
                    "site_url": settings.SITE_URL.rstrip("/"),
                    "path": reverse("incidents:detail", args=[incident.pk]),
                },
            )
            reminders.append(Reminder(incident, hours, addresses))
        record_changes(actor, changes)
    return reminders
