"""Reads of incidents for pages, the API, exports, the dashboard and the reminders.

Every queryset starts at ``Incident.objects.for_user`` (the one reading rule, see models). Lists
are a fixed number of queries: the first notification's time is a subquery, the assessment a
join.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from schildwacht.incidents.clock import Clock, clock_for
from schildwacht.incidents.models import (
    Advice,
    ApNotification,
    BreachAssessment,
    CertContact,
    Incident,
    IncidentKind,
    IncidentStatus,
    NotificationKind,
    TimelineEntry,
)
from schildwacht.organisations.models import Membership, Organisation, OrganisationKind
from schildwacht.organisations.roles import Role
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.planning.models import Measure
from schildwacht.registers.models import Application
from schildwacht.suppliers.models import Supplier
from schildwacht.suppliers.queries import available_suppliers

# Who hears that a breach waits for a decision: the people who decide on notifying.
REMINDER_ROLES = (Role.PRIVACY_OFFICER, Role.SECURITY_OFFICER)


def board_of(organisation: Organisation) -> Organisation:
    """The board of a school, or the organisation itself."""
    if organisation.kind == OrganisationKind.SCHOOL and organisation.parent is not None:
        return organisation.parent
    return organisation


def _first_notification() -> Subquery:
    return Subquery(
        ApNotification.objects.filter(incident=OuterRef("pk"), kind=NotificationKind.INITIAL)
        .order_by("notified_at")
        .values("notified_at")[:1]
    )


def incidents_for_user(
    user: Any, organisation: Organisation, action: str = "view", *, own: bool = False
) -> QuerySet[Incident]:
    """Incidents of ``organisation`` (a board with its schools, or one school) in the register
    as ``user`` reads it (without the reporter's own reports unless ``own``), newest first."""
    return (
        Incident.objects.for_user(user, action, own=own)
        .filter(organisation__path__startswith=organisation.path)
        .select_related("organisation", "assessment")
        .annotate(first_notified_at=_first_notification())
        .order_by("-discovered_at", "-pk")
    )


@dataclass(frozen=True)
class IncidentFilter:
    kind: str = ""
    status: str = ""
    open_only: bool = False


def filter_incidents(
    incidents: QuerySet[Incident], selection: IncidentFilter
) -> QuerySet[Incident]:
    if selection.kind:
        incidents = incidents.filter(kind=selection.kind)
    if selection.status:
        incidents = incidents.filter(status=selection.status)
    if selection.open_only:
        incidents = incidents.exclude(status=IncidentStatus.CLOSED)
    return incidents


def my_reports(user: Any) -> QuerySet[Incident]:
    """What ``user`` reported themselves, newest first ("mijn meldingen")."""
    if user is None or not user.is_authenticated:
        return Incident.objects.none()
    return (
        Incident.objects.for_user(user)
        .filter(reported_by=user)
        .select_related("organisation")
        .order_by("-created_at", "-pk")
    )


def incident_for_user(user: Any, pk: int, action: str = "view") -> Incident:
    """One incident ``user`` may ``action`` (the reporter reads their own), or Http404."""
    incident = (
        Incident.objects.for_user(user, action)
        .select_related(
            "organisation__parent",
            "processor_application",
            "reported_by",
            "created_by",
            "updated_by",
        )
        .annotate(first_notified_at=_first_notification())
        .filter(pk=pk)
        .first()
    )
    if incident is None:
        raise Http404
    return incident


def reads_file(user: Any, incident: Incident) -> bool:
    """Whether ``user`` reads the whole file of ``incident``, not only their own report."""
    return Incident.objects.for_user(user, own=False).filter(pk=incident.pk).exists()


def may(user: Any, incident: Incident, action: str) -> bool:
    return Incident.objects.for_user(user, action).filter(pk=incident.pk).exists()


@dataclass(frozen=True)
class IncidentFile:
    """Everything the page of one incident shows beside the incident itself."""

    timeline: list[TimelineEntry]
    notifications: list[ApNotification]
    assessment: BreachAssessment | None
    advice: Advice | None
    applications: list[Application]
    suppliers: list[Supplier]
    schools: list[Organisation]
    plan_measures: list[Measure]


def incident_file(incident: Incident) -> IncidentFile:
    """The records of an incident the caller already reads (a fixed number of queries)."""
    return IncidentFile(
        timeline=list(incident.timeline.order_by("at", "pk")),
        notifications=list(incident.notifications.order_by("notified_at", "pk")),
        assessment=BreachAssessment.objects.filter(incident=incident).first(),
        advice=Advice.objects.filter(incident=incident).first(),
        applications=list(incident.applications.order_by("name")),
        suppliers=list(incident.suppliers.order_by("name")),
        schools=list(incident.schools.order_by("name")),
        plan_measures=list(incident.plan_measures.order_by("title")),
    )


def clock_of(incident: Incident, now: dt.datetime | None = None) -> Clock | None:
    """The 72-hour clock of a breach (None for other incidents or while awareness is unknown).

    It stops at the first notification to the AP, or once the decision is not to notify (or
    the breach was closed without one).
    """
    if not incident.is_breach or incident.aware_at is None:
        return None
    notified_at = getattr(incident, "first_notified_at", None)
    stopped_at = None
    if notified_at is None:
        assessment = assessment_of(incident)
        if assessment is not None and not assessment.notify_ap:
            stopped_at = assessment.decided_at
        elif incident.closed:
            stopped_at = incident.closed_at
    return clock_for(
        incident.aware_at, now or timezone.now(), notified_at=notified_at, stopped_at=stopped_at
    )


def assessment_of(incident: Incident) -> BreachAssessment | None:
    """The incident's assessment, or None (joined by the lists, so no query there)."""
    try:
        return incident.assessment
    except BreachAssessment.DoesNotExist:
        return None


# What can be linked ----------------------------------------------------------------------------


def near(queryset: QuerySet[Any], organisation: Organisation) -> QuerySet[Any]:
    """Rows of ``organisation`` and below, and for a school also its board's own rows."""
    rows = Q(organisation__path__startswith=organisation.path)
    if organisation.kind == OrganisationKind.SCHOOL and organisation.parent_id:
        rows |= Q(organisation_id=organisation.parent_id)
    return queryset.filter(rows)


def linkable_applications(user: Any, organisation: Organisation) -> QuerySet[Application]:
    """Register applications the user reads, of the incident's organisation (and board)."""
    base = Application.objects.for_user(user) if user is not None else Application.objects.all()
    return near(base, organisation).order_by("name", "pk")


def linkable_suppliers(organisation: Organisation) -> QuerySet[Supplier]:
    return available_suppliers(organisation).order_by("name", "pk")


def linkable_schools(organisation: Organisation) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        kind=OrganisationKind.SCHOOL, path__startswith=organisation.path
    ).order_by("name", "pk")


def linkable_plan_measures(user: Any, organisation: Organisation) -> QuerySet[Measure]:
    base = Measure.objects.for_user(user) if user is not None else Measure.objects.all()
    return near(base, organisation).order_by("title", "pk")


def reporting_organisations(user: Any, organisation: Organisation) -> QuerySet[Organisation]:
    """Boards and schools under ``organisation`` for which ``user`` may report incidents."""
    return (
        Organisation.objects.filter(
            pk__in=organisation_ids(user, "report", "incidents"),
            path__startswith=organisation.path,
        )
        .exclude(kind=OrganisationKind.SECTOR)
        .order_by("path")
    )


def cert_contact_for(organisation: Organisation) -> CertContact | None:
    """The CERT contact of the incident's board, else of its sector."""
    board = board_of(organisation)
    contacts = {
        contact.organisation_id: contact
        for contact in CertContact.objects.filter(
            organisation_id__in=[board.pk, board.parent_id or 0]
        )
    }
    return contacts.get(board.pk) or contacts.get(board.parent_id or 0)


# The dashboard -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NearestDeadline:
    incident: Incident
    clock: Clock


@dataclass(frozen=True)
class IncidentSummary:
    """For the dashboard: open incidents and breaches, the nearest deadline, this year's count."""

    open_incidents: int
    open_breaches: int
    nearest: NearestDeadline | None
    breaches_this_year: int
    notified_this_year: int
    not_notified_this_year: int
    undecided_this_year: int


def incident_summary(
    user: Any, organisation: Organisation, now: dt.datetime | None = None
) -> IncidentSummary:
    """What the dashboard shows of ``organisation``'s incidents as ``user`` reads them.

    "This year": breaches discovered since 1 January (Europe/Amsterdam). Notified: a first
    notification to the AP is recorded; not notified: the decision was not to notify;
    undecided: neither yet. Three queries.
    """
    now = now or timezone.now()
    incidents = incidents_for_user(user, organisation)
    open_rows = list(incidents.exclude(status=IncidentStatus.CLOSED))
    clocks = [
        (incident, clock)
        for incident in open_rows
        if (clock := clock_of(incident, now)) is not None and clock.running
    ]
    nearest = min(clocks, key=lambda pair: pair[1].deadline, default=None)
    start = timezone.localtime(now).replace(
        month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    year = list(
        incidents.filter(kind=IncidentKind.BREACH, discovered_at__gte=start).values_list(  # type: ignore[misc]
            "first_notified_at", "assessment__notify_ap"
        )
    )
    notified = sum(1 for first, _decision in year if first is not None)
    not_notified = sum(1 for first, decision in year if first is None and decision is False)
    return IncidentSummary(
        open_incidents=len(open_rows),
        open_breaches=sum(1 for incident in open_rows if incident.is_breach),
        nearest=NearestDeadline(*nearest) if nearest else None,
        breaches_this_year=len(year),
        notified_this_year=notified,
        not_notified_this_year=not_notified,
        undecided_this_year=len(year) - notified - not_notified,
    )


# Reminders ---------------------------------------------------------------------------------------


def breaches_awaiting_decision(now: dt.datetime) -> list[Incident]:
    """Open breaches without a decision that reached the board at least 24 hours ago and have
    a reminder left (the clock module says which one is due)."""
    day_ago = now - dt.timedelta(hours=24)
    return list(
        Incident.objects.filter(kind=IncidentKind.BREACH, assessment__isnull=True)
        .exclude(status=IncidentStatus.CLOSED)
        .filter(Q(reminder_24_sent_at__isnull=True) | Q(reminder_48_sent_at__isnull=True))
        .filter(
            Q(processor_informed_at__lte=day_ago)
            | Q(processor_informed_at__isnull=True, discovered_at__lte=day_ago)
        )
        .select_related("organisation")
        .order_by("pk")
    )


def reminder_recipients(incidents: list[Incident]) -> dict[int, list[Any]]:
    """Per incident, the active privacy officers and IBP coordinators of its organisation or of
    an organisation above it (one query)."""
    above: dict[int, set[int]] = {}
    for incident in incidents:
        path = incident.organisation.path.strip("/").split("/")
        above[incident.pk] = {int(part) for part in path if part}
    wanted = set().union(*above.values()) if above else set()
    memberships = (
        Membership.objects.filter(
            organisation_id__in=wanted,
            role__in=[role.value for role in REMINDER_ROLES],
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__email", "pk")
    )
    by_organisation: dict[int, list[Any]] = {}
    for membership in memberships:
        by_organisation.setdefault(membership.organisation_id, []).append(membership.user)
    result: dict[int, list[Any]] = {}
    for incident in incidents:
        users = {
            user.pk: user
            for org_id in above[incident.pk]
            for user in by_organisation.get(org_id, [])
        }
        result[incident.pk] = sorted(users.values(), key=lambda user: user.email)
    return result


def breach_register(user: Any, organisation: Organisation) -> QuerySet[Incident]:
    """Every breach of ``organisation`` as ``user`` reads the register, for the export."""
    return (
        incidents_for_user(user, organisation)
        .filter(kind=IncidentKind.BREACH)
        .prefetch_related(
            Prefetch("applications", queryset=Application.objects.order_by("name")),
            Prefetch(
                "notifications",
                queryset=ApNotification.objects.order_by("notified_at", "pk"),
            ),
        )
    )
