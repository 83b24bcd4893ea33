"""Reporting, changing, closing, reopening and deleting incidents; the timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.incidents.clock import is_late
from schildwacht.incidents.models import (
    ApNotification,
    BreachAssessment,
    Incident,
    IncidentKind,
    IncidentStatus,
    NotificationKind,
    PersonalData,
    TimelineEntry,
)
from schildwacht.incidents.queries import (
    linkable_applications,
    linkable_plan_measures,
    linkable_schools,
    linkable_suppliers,
)
from schildwacht.incidents.reference import reference
from schildwacht.incidents.services.common import (
    IncidentRefused,
    check_moment,
    check_text,
    clean_ids,
    incident_snapshot,
    links_of,
    may_report,
    name_of,
    require,
    require_open,
    save_with_line,
    timeline_entry,
    user_of,
    write_links,
)
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.suppliers.queries import breach_notification_hours_for

REPORT_FIELDS = (
    "title",
    "description",
    "kind",
    "personal_data",
    "occurred_at",
    "discovered_at",
    "applications",
    "application_note",
    "reporter_name",
    "schools",
    "processor_application",
    "processor_informed_at",
    "aware_at",
)
TEXT_FIELDS = (
    "title",
    "description",
    "reporter_name",
    "handler_name",
    "application_note",
    "aware_note",
    "consequences",
    "measures_taken",
    "measures_proposed",
    "advice_to_subjects",
    "contact_name",
    "contact_details",
    "subjects_informed_how",
    "cert_summary",
    "cert_indicators",
    "cert_systems",
    "lessons_learned",
)
MOMENT_FIELDS = (
    "occurred_at",
    "discovered_at",
    "processor_informed_at",
    "aware_at",
    "subjects_informed_at",
    "cert_shared_at",
)
CODE_LISTS = ("breach_types", "data_kinds", "subject_groups")
NUMBER_FIELDS = ("people_min", "people_max", "records_count")
# What a handler may change with ``update_incident`` (closing has its own service).
UPDATE_FIELDS = (
    *TEXT_FIELDS,
    *MOMENT_FIELDS,
    *CODE_LISTS,
    *NUMBER_FIELDS,
    "kind",
    "severity",
    "status",
    "personal_data",
    "processor_application",
    "cert_tlp",
    "applications",
    "suppliers",
    "schools",
    "plan_measures",
)


def _linkable(actor: Actor, incident: Incident, name: str) -> QuerySet[Any]:
    organisation = incident.organisation
    if name == "applications":
        return linkable_applications(actor.user, organisation)
    if name == "suppliers":
        return linkable_suppliers(organisation)
    if name == "schools":
        return linkable_schools(organisation)
    return linkable_plan_measures(actor.user, organisation)


def _clean_links(
    actor: Actor, incident: Incident, values: dict[str, Any], errors: dict[str, list[str]]
) -> dict[str, list[int] | None]:
    links: dict[str, list[int] | None] = {}
    for name in ("applications", "suppliers", "schools", "plan_measures"):
        if name in values:
            links[name] = clean_ids(
                name, values.pop(name), _linkable(actor, incident, name), errors
            )
    return links


def _clean_processor(
    actor: Actor, incident: Incident, value: Any, errors: dict[str, list[str]]
) -> Any:
    if value is None:
        return None
    pk = value.pk if isinstance(value, Model) else value
    found = linkable_applications(actor.user, incident.organisation).filter(pk=pk).first()
    if found is None:
        errors["processor_application"] = [_("Kies een applicatie uit het register.")]
    return found


def _clean_codes(name: str, value: Any, errors: dict[str, list[str]]) -> list[str]:
    known = {code for code, _label in reference().choices(name)}
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors[name] = [_("Geef een lijst met codes.")]
        return []
    unknown = sorted(set(value) - known)
    if unknown:
        errors[name] = [_("Onbekende code: %(codes)s.") % {"codes": ", ".join(unknown[:5])}]
    return sorted(set(value) & known, key=[c for c, _l in reference().choices(name)].index)


def _check_order(incident: Incident, errors: dict[str, list[str]]) -> None:
    """The times follow each other: happened ≤ discovered ≤ processor's report and awareness."""
    discovered = incident.discovered_at
    if discovered is None or "discovered_at" in errors:
        return
    pairs = (
        ("occurred_at", incident.occurred_at, discovered, _("Ligt na het moment van ontdekken.")),
        (
            "processor_informed_at",
            discovered,
            incident.processor_informed_at,
            _("Ligt voor het moment waarop het lek werd ontdekt."),
        ),
        (
            "aware_at",
            discovered,
            incident.aware_at,
            _("Het bestuur kan niet op de hoogte zijn voordat het lek werd ontdekt."),
        ),
    )
    for name, earlier, later, message in pairs:
        if name in errors or earlier is None or later is None:
            continue
        if isinstance(earlier, dt.datetime) and isinstance(later, dt.datetime) and earlier > later:
            errors[name] = [message]


def _check_numbers(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    for name in NUMBER_FIELDS:
        value = values.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**9
        ):
            errors[name] = [_("Geef een geheel getal van 0 of meer.")]


def _apply(
    actor: Actor, incident: Incident, values: dict[str, Any], allowed: tuple[str, ...]
) -> dict[str, list[int] | None]:
    """Apply ``values`` to ``incident`` and check them; return the cleaned links."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    links = _clean_links(actor, incident, values, errors)
    if "processor_application" in values:
        values["processor_application"] = _clean_processor(
            actor, incident, values["processor_application"], errors
        )
    if values.get("status") == IncidentStatus.CLOSED:
        errors["status"] = [_("Sluit een incident af met een afsluitende toelichting.")]
    for name in TEXT_FIELDS:
        if name in values:
            values[name] = check_text(name, values[name], errors)
    for name in CODE_LISTS:
        if name in values:
            values[name] = _clean_codes(name, values[name], errors)
    for name in MOMENT_FIELDS:
        if name in values:
            check_moment(name, values[name], now, errors, required=name == "discovered_at")
    _check_numbers(values, errors)
    for name, value in values.items():
        if name not in errors:
            setattr(incident, name, value)
    _check_order(incident, errors)
    if (
        incident.people_min is not None
        and incident.people_max is not None
        and not {"people_min", "people_max"} & set(errors)
        and incident.people_min > incident.people_max
    ):
        errors["people_max"] = [_("Het maximum is kleiner dan het minimum.")]
    try:
        incident.full_clean(
            exclude=[
                "organisation",
                "created_by",
                "updated_by",
                "reported_by",
                "processor_application",
                *errors,
            ],
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return links


def _derive(incident: Incident, before: dict[str, Any] | None, values: dict[str, Any]) -> None:
    """Fill in what follows from the other fields: the clock's start and the processor's term.

    A breach reported as such starts its clock when it reached the board (the processor's
    report, else the discovery); an incident that becomes a breach later starts it at that
    moment. While the handler has not given the moment of awareness itself, it follows the
    moment the breach reached the board (a processor's report entered later moves it).
    """
    old = before or {}
    if incident.is_breach and (incident.aware_at is None or "aware_at" not in values):
        became_breach = before is not None and old.get("kind") != IncidentKind.BREACH
        defaulted = before is not None and old.get("aware_at") == (
            old.get("processor_informed_at") or old.get("discovered_at")
        )
        if became_breach:
            incident.aware_at = incident.aware_at or timezone.now()
        elif incident.aware_at is None or defaulted:
            incident.aware_at = incident.reached_board_at
    changed = old.get("processor_application") != incident.processor_application_id or (
        old.get("processor_informed_at") != model_snapshot(incident)["processor_informed_at"]
    )
    if changed:
        application = incident.processor_application
        if application is None:
            incident.processor_term_hours = None
        else:
            day = timezone.localdate(incident.processor_informed_at or timezone.now())
            incident.processor_term_hours = breach_notification_hours_for(application, day)


def _check_notified_in_time(incident: Incident, before: dict[str, Any]) -> None:
    """A new moment of awareness may not make a recorded notification late after the fact: a
    late notification carries its reasons for the delay (AVG art. 33(1))."""
    if incident.aware_at is None or before.get("aware_at") == model_snapshot(incident)["aware_at"]:
        return
    first = (
        ApNotification.objects.filter(incident=incident, kind=NotificationKind.INITIAL)
        .order_by("notified_at")
        .first()
    )
    if (
        first is not None
        and not first.delay_reasons
        and is_late(incident.aware_at, first.notified_at)
    ):
        raise ValidationError(
            {
                "aware_at": [
                    _(
                        "Met dit tijdstip kwam de melding aan de AP na 72 uur, en die melding "
                        "noemt geen redenen voor de vertraging."
                    )
                ]
            }
        )


def report_incident(actor: Actor, organisation: Organisation, **values: Any) -> Incident:
    """Report an incident or suspected breach (``report:incidents``: any staff member).

    The short form: what happened, when it was noticed, which school or application, and
    whether personal data are involved (yes, no, unknown). Unless a kind is given, "yes" or
    "unknown" makes it a (suspected) data breach, whose 72-hour clock then runs.
    """
    if organisation.kind == OrganisationKind.SECTOR:
        raise IncidentRefused(_("Een incident hoort bij een bestuur of een school."))
    if not may_report(actor, organisation):
        raise IncidentRefused(
            _("U mag voor %(name)s geen incidenten melden.") % {"name": organisation}
        )
    values = dict(values)
    if not values.get("title") and isinstance(values.get("description"), str):
        values["title"] = _title_from(values["description"])
    if not values.get("kind"):
        values["kind"] = (
            IncidentKind.SECURITY
            if values.get("personal_data") == PersonalData.NO
            else IncidentKind.BREACH
        )
    if organisation.kind == OrganisationKind.SCHOOL and "schools" not in values:
        values["schools"] = [organisation.pk]
    user = user_of(actor)
    incident = Incident(
        organisation=organisation,
        reported_by=user,
        reporter_name=name_of(actor),
        created_by=user,
        updated_by=user,
    )
    links = _apply(actor, incident, dict(values), REPORT_FIELDS)
    _derive(incident, None, values)
    final = {name: links.get(name) or [] for name in links_of(incident)}
    with transaction.atomic():
        incident.save()
        write_links(incident, links)
        changes = [
            change_for(AuditAction.CREATE, incident, None, incident_snapshot(incident, final))
        ]
        _entry, entry_change = timeline_entry(
            actor,
            incident,
            _("Gemeld door %(name)s.") % {"name": incident.reporter_name},
            at=incident.created_at,
        )
        record_changes(actor, [*changes, entry_change])
    return incident


def _title_from(description: str) -> str:
    first = description.strip().splitlines()[0] if description.strip() else ""
    return first[:120] + ("…" if len(first) > 120 else "")


def update_incident(actor: Actor, incident: Incident, **values: Any) -> Incident:
    """Change the given fields of an open incident (who may change it: ``for_user``)."""
    require(actor, incident)
    require_open(incident)
    old_links = links_of(incident)
    before = incident_snapshot(incident, old_links)
    links = _apply(actor, incident, dict(values), UPDATE_FIELDS)
    _derive(incident, before, values)
    _check_notified_in_time(incident, before)
    incident.updated_by = user_of(actor)
    merged = dict(old_links)
    merged.update({name: ids for name, ids in links.items() if ids is not None})
    after = incident_snapshot(incident, merged)
    change = change_for(AuditAction.UPDATE, incident, before, after)
    if not change.changes:
        return incident
    with transaction.atomic():
        incident.save()
        write_links(incident, links)
        changes: list[Change] = [change]
        if before["kind"] != incident.kind:
            _entry, entry_change = timeline_entry(
                actor,
                incident,
                _("Soort gewijzigd in: %(kind)s.") % {"kind": incident.get_kind_display()},
            )
            changes.append(entry_change)
        record_changes(actor, changes)
    return incident


def add_timeline_entry(
    actor: Actor, incident: Incident, *, text: str, at: dt.datetime | None = None
) -> TimelineEntry:
    """Append an entry to the timeline (entries are never changed or removed)."""
    require(actor, incident)
    require_open(incident)
    errors: dict[str, list[str]] = {}
    text = check_text("text", text, errors, limit=4000)
    if not text and "text" not in errors:
        errors["text"] = [_("Beschrijf wat er gebeurde.")]
    at = at or timezone.now()
    check_moment("at", at, timezone.now(), errors)
    if errors:
        raise ValidationError(errors)
    entry = TimelineEntry(
        incident=incident, at=at, text=text, author=user_of(actor), author_name=name_of(actor)
    )
    with transaction.atomic():
        entry.save()
        record_change(actor, change_for(AuditAction.CREATE, entry, None, model_snapshot(entry)))
    return entry


def close_incident(actor: Actor, incident: Incident, *, note: str) -> Incident:
    """Close an incident with a closing note; it stays in the register (AVG art. 33(5)).

    A breach is closed only once the decision on notifying is recorded and, when the AP must
    be notified, the notification is.
    """
    require(actor, incident)
    require_open(incident)
    errors: dict[str, list[str]] = {}
    note = check_text("closing_note", note, errors, limit=4000)
    if not note and "closing_note" not in errors:
        errors["closing_note"] = [_("Schrijf een afsluitende toelichting.")]
    if incident.is_breach:
        _breach_ready_to_close(incident, errors)
    if errors:
        raise ValidationError(errors)
    before = incident_snapshot(incident)
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = timezone.now()
    incident.closing_note = note
    incident.updated_by = user_of(actor)
    save_with_line(actor, incident, before, _("Afgesloten: %(note)s") % {"note": note[:500]})
    return incident


def _breach_ready_to_close(incident: Incident, errors: dict[str, list[str]]) -> None:
    assessment = BreachAssessment.objects.filter(incident=incident).first()
    if assessment is None:
        errors["closing_note"] = [
            _(
                "Leg eerst de beoordeling en het besluit over melden vast; ook een datalek dat "
                "niet gemeld wordt, blijft met de motivering in het register."
            )
        ]
    elif (
        assessment.notify_ap
        and not ApNotification.objects.filter(
            incident=incident, kind=NotificationKind.INITIAL
        ).exists()
    ):
        errors["closing_note"] = [
            _("Het besluit is te melden bij de AP; leg eerst de melding vast.")
        ]


def reopen_incident(actor: Actor, incident: Incident, *, reason: str) -> Incident:
    """Reopen a closed incident (for example when new facts come in), with the reason."""
    require(actor, incident)
    if not incident.closed:
        raise IncidentRefused(_("Dit incident is niet afgesloten."))
    errors: dict[str, list[str]] = {}
    reason = check_text("reason", reason, errors, limit=4000)
    if not reason and "reason" not in errors:
        errors["reason"] = [_("Schrijf waarom het incident weer open gaat.")]
    if errors:
        raise ValidationError(errors)
    before = incident_snapshot(incident)
    incident.status = IncidentStatus.IN_PROGRESS
    incident.closed_at = None
    incident.updated_by = user_of(actor)
    save_with_line(actor, incident, before, _("Heropend: %(reason)s") % {"reason": reason[:500]})
    return incident


def is_untouched(incident: Incident) -> bool:
    """Whether nothing happened to the incident since its report: still "reported", and its
    timeline holds only the report line.

    Every change of kind leaves a timeline line, so an incident that once was a breach (and was
    then called something else) is never untouched, and never deleted (AVG art. 33(5)).
    """
    return (
        incident.status == IncidentStatus.REPORTED
        and TimelineEntry.objects.filter(incident=incident).count() <= 1
    )


def delete_incident(actor: Actor, incident: Incident) -> None:
    """Remove an incident reported in error: only one that is no data breach and untouched.

    Data breaches are never removed: the register keeps every breach (AVG art. 33(5)).
    """
    require(actor, incident)
    if incident.is_breach:
        raise IncidentRefused(
            _(
                "Een datalek blijft altijd in het register. Leg in de beoordeling vast dat het "
                "geen datalek is, en sluit het af."
            )
        )
    if not is_untouched(incident):
        raise IncidentRefused(_("Alleen een nieuw gemeld incident kan worden verwijderd."))
    changes = [
        change_for(AuditAction.DELETE, entry, model_snapshot(entry), None)
        for entry in TimelineEntry.objects.filter(incident=incident)
    ]
    changes.append(change_for(AuditAction.DELETE, incident, incident_snapshot(incident), None))
    with transaction.atomic():
        incident.delete()
        record_changes(actor, changes)
