"""``/api/v1/organisations/{org_id}/incidents``: the register of incidents and data breaches.

Thin: the same scoping (``Incident.objects.for_user``), queries and services as the pages.
Readers of the register get every incident they read, each with its whole file; a reporter
(``report:incidents``, e.g. staff) gets only their own reports, with ``access: "reporter"`` and
without the file (assessment, advice, notifications, timeline). Outside reach is 404; inside
it a refused write is 403 (the FG, for instance, writes only ``PUT …/advice``); a bad value is
422 naming the field. Breaches are never deleted.

Sub-paths: ``…/incidents/{id}/timeline`` (POST, append-only), ``…/assessment`` (PUT: the
assessment and the board's decision), ``…/advice`` (PUT, the FG), ``…/notifications`` (POST: the
notification to the AP, an addition or the withdrawal), ``…/close`` and ``…/reopen`` (POST),
``…/plan-measures`` (POST: link an existing plan measure or create one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, JSONField, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import Field

from schildwacht.api.pages import ConvertedPage, require_known
from schildwacht.audit.services import Actor
from schildwacht.incidents import services
from schildwacht.incidents.models import (
    Advice,
    BreachAssessment,
    Incident,
    IncidentKind,
    IncidentStatus,
    incident_reach,
)
from schildwacht.incidents.queries import (
    IncidentFilter,
    assessment_of,
    clock_of,
    filter_incidents,
    incidents_for_user,
)
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids

router = Router(tags=["incidents"])

KindValue = Literal["security", "cyber", "breach"]
PersonalDataValue = Literal["yes", "no", "unknown"]
SeverityValue = Literal["", "low", "medium", "high", "critical"]
StatusValue = Literal["reported", "in_progress"]
TlpValue = Literal["clear", "green", "amber", "amber_strict", "red"]
NotificationKindValue = Literal["initial", "addition", "withdrawal"]


class ClockOut(Schema):
    aware_at: dt.datetime
    deadline: dt.datetime
    state: str
    hours_elapsed: int
    hours_left: int
    hours_overdue: int


class AssessmentOut(Schema):
    is_breach: bool
    risk: bool
    high_risk: bool
    unintelligible: bool
    risk_removed: bool
    disproportionate: bool
    factors: list[str]
    reasoning: str
    notify_ap: bool
    inform: str
    decided_at: dt.datetime
    decided_by: int | None
    decided_by_name: str


class AdviceOut(Schema):
    text: str
    advised_at: dt.datetime
    advised_by: int | None
    advised_by_name: str


class NotificationOut(Schema):
    id: int
    kind: str
    notified_at: dt.datetime
    reference: str
    summary: str
    delay_reasons: str
    recorded_by: int | None


class TimelineOut(Schema):
    id: int
    at: dt.datetime
    text: str
    author: int | None
    author_name: str


class IncidentOut(Schema):
    id: int
    organisation: int
    access: Literal["full", "reporter"]
    kind: str
    title: str
    description: str
    severity: str
    status: str
    personal_data: str
    reported_by: int | None
    reporter_name: str
    handler_name: str
    application_note: str
    applications: list[int]
    suppliers: list[int]
    schools: list[int]
    plan_measures: list[int]
    occurred_at: dt.datetime | None
    discovered_at: dt.datetime
    processor_application: int | None
    processor_informed_at: dt.datetime | None
    processor_term_hours: int | None
    aware_at: dt.datetime | None
    aware_note: str
    clock: ClockOut | None
    breach_types: list[str]
    data_kinds: list[str]
    subject_groups: list[str]
    people_min: int | None
    people_max: int | None
    records_count: int | None
    consequences: str
    measures_taken: str
    measures_proposed: str
    advice_to_subjects: str
    contact_name: str
    contact_details: str
    subjects_informed_at: dt.datetime | None
    subjects_informed_how: str
    cert_tlp: str
    cert_summary: str
    cert_indicators: str
    cert_systems: str
    cert_shared_at: dt.datetime | None
    lessons_learned: str
    closed_at: dt.datetime | None
    closing_note: str
    assessment: AssessmentOut | None
    advice: AdviceOut | None
    notifications: list[NotificationOut]
    timeline: list[TimelineOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class ReportIn(Schema):
    description: str = Field(min_length=1, max_length=20000)
    discovered_at: dt.datetime
    personal_data: PersonalDataValue
    title: str = Field(default="", max_length=200)
    kind: KindValue | None = None
    occurred_at: dt.datetime | None = None
    applications: list[int] = []
    application_note: str = Field(default="", max_length=300)
    schools: list[int] | None = None


class IncidentPatch(Schema):
    kind: KindValue | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, min_length=1)
    severity: SeverityValue | None = None
    status: StatusValue | None = None
    personal_data: PersonalDataValue | None = None
    handler_name: str | None = Field(default=None, max_length=200)
    reporter_name: str | None = Field(default=None, max_length=200)
    application_note: str | None = Field(default=None, max_length=300)
    applications: list[int] | None = None
    suppliers: list[int] | None = None
    schools: list[int] | None = None
    plan_measures: list[int] | None = None
    occurred_at: dt.datetime | None = None
    discovered_at: dt.datetime | None = None
    processor_application: int | None = None
    processor_informed_at: dt.datetime | None = None
    aware_at: dt.datetime | None = None
    aware_note: str | None = None
    breach_types: list[str] | None = None
    data_kinds: list[str] | None = None
    subject_groups: list[str] | None = None
    people_min: int | None = Field(default=None, ge=0)
    people_max: int | None = Field(default=None, ge=0)
    records_count: int | None = Field(default=None, ge=0)
    consequences: str | None = None
    measures_taken: str | None = None
    measures_proposed: str | None = None
    advice_to_subjects: str | None = None
    contact_name: str | None = Field(default=None, max_length=200)
    contact_details: str | None = Field(default=None, max_length=300)
    subjects_informed_at: dt.datetime | None = None
    subjects_informed_how: str | None = Field(default=None, max_length=300)
    cert_tlp: TlpValue | None = None
    cert_summary: str | None = None
    cert_indicators: str | None = None
    cert_systems: str | None = None
    cert_shared_at: dt.datetime | None = None
    lessons_learned: str | None = None


# Fields that may be set to null in a PATCH; the others keep their value when null is sent.
NULLABLE = {
    "occurred_at",
    "processor_application",
    "processor_informed_at",
    "aware_at",
    "people_min",
    "people_max",
    "records_count",
    "subjects_informed_at",
    "cert_shared_at",
}


class TimelineIn(Schema):
    text: str = Field(min_length=1, max_length=4000)
    at: dt.datetime | None = None


class AssessmentIn(Schema):
    is_breach: bool
    risk: bool
    high_risk: bool
    unintelligible: bool = False
    risk_removed: bool = False
    disproportionate: bool = False
    factors: list[str] = []
    reasoning: str


class AdviceIn(Schema):
    text: str = Field(min_length=1)


class NotificationIn(Schema):
    kind: NotificationKindValue
    notified_at: dt.datetime
    reference: str = Field(default="", max_length=100)
    summary: str = ""
    delay_reasons: str = ""


class CloseIn(Schema):
    closing_note: str


class ReopenIn(Schema):
    reason: str


class PlanMeasureIn(Schema):
    plan_measure: int | None = None
    title: str = Field(default="", max_length=200)
    description: str = ""


def _clock(incident: Incident) -> ClockOut | None:
    clock = clock_of(incident)
    if clock is None:
        return None
    return ClockOut(
        aware_at=clock.aware_at,
        deadline=clock.deadline,
        state=clock.state,
        hours_elapsed=clock.hours_elapsed,
        hours_left=clock.hours_left,
        hours_overdue=clock.hours_overdue,
    )


REPORT_FIELDS = (
    "kind",
    "title",
    "description",
    "status",
    "personal_data",
    "reporter_name",
    "application_note",
    "discovered_at",
    "created_at",
    "updated_at",
)
FILE_FIELDS = (
    "severity",
    "handler_name",
    "occurred_at",
    "processor_informed_at",
    "processor_term_hours",
    "aware_at",
    "aware_note",
    "breach_types",
    "data_kinds",
    "subject_groups",
    "people_min",
    "people_max",
    "records_count",
    "consequences",
    "measures_taken",
    "measures_proposed",
    "advice_to_subjects",
    "contact_name",
    "contact_details",
    "subjects_informed_at",
    "subjects_informed_how",
    "cert_tlp",
    "cert_summary",
    "cert_indicators",
    "cert_systems",
    "cert_shared_at",
    "lessons_learned",
    "closed_at",
    "closing_note",
)


def _empty_file() -> dict[str, Any]:
    """The file as a reporter gets it: empty (they read their own report, not the file)."""
    empty: dict[str, Any] = {}
    for name in FILE_FIELDS:
        field = Incident._meta.get_field(name)
        empty[name] = None if field.null else [] if isinstance(field, JSONField) else ""
    return {
        **empty,
        **{name: [] for name in ("applications", "suppliers", "schools", "plan_measures")},
        **{name: [] for name in ("notifications", "timeline")},
        "processor_application": None,
        "clock": None,
        "assessment": None,
        "advice": None,
    }


def _assessment(record: BreachAssessment) -> AssessmentOut:
    return AssessmentOut(
        decided_by=record.decided_by_id,
        **{
            name: getattr(record, name)
            for name in AssessmentOut.model_fields
            if name != "decided_by"
        },
    )


def _file(incident: Incident) -> dict[str, Any]:
    assessment = assessment_of(incident)
    try:
        advice: Advice | None = incident.advice
    except Advice.DoesNotExist:
        advice = None
    return {
        **{name: getattr(incident, name) for name in FILE_FIELDS},
        "applications": sorted(a.pk for a in incident.applications.all()),
        "suppliers": sorted(s.pk for s in incident.suppliers.all()),
        "schools": sorted(s.pk for s in incident.schools.all()),
        "plan_measures": sorted(m.pk for m in incident.plan_measures.all()),
        "processor_application": incident.processor_application_id,
        "clock": _clock(incident),
        "assessment": _assessment(assessment) if assessment else None,
        "advice": AdviceOut(
            text=advice.text,
            advised_at=advice.advised_at,
            advised_by=advice.advised_by_id,
            advised_by_name=advice.advised_by_name,
        )
        if advice
        else None,
        "notifications": [
            NotificationOut(
                id=n.pk,
                kind=n.kind,
                notified_at=n.notified_at,
                reference=n.reference,
                summary=n.summary,
                delay_reasons=n.delay_reasons,
                recorded_by=n.recorded_by_id,
            )
            for n in incident.notifications.all()
        ],
        "timeline": [
            TimelineOut(
                id=e.pk, at=e.at, text=e.text, author=e.author_id, author_name=e.author_name
            )
            for e in incident.timeline.all()
        ],
    }


def _out(incident: Incident) -> IncidentOut:
    full = bool(getattr(incident, "full_access", False))
    file = _file(incident) if full else _empty_file()
    return IncidentOut(
        id=incident.pk,
        organisation=incident.organisation_id,
        access="full" if full else "reporter",
        reported_by=incident.reported_by_id,
        **{name: getattr(incident, name) for name in REPORT_FIELDS},
        **file,
    )


def _organisation(request: HttpRequest, org_id: int) -> Organisation:
    """A board or school whose register the caller reads or where the caller reports."""
    user = request.user
    reachable = organisation_ids(user, "view", Incident.scope_area) | organisation_ids(
        user, "report", "incidents"
    )
    if org_id not in reachable:
        raise Http404
    organisation = Organisation.objects.get(pk=org_id)
    if organisation.kind == OrganisationKind.SECTOR:
        raise Http404
    return organisation


def _rows(request: HttpRequest, organisation: Organisation) -> QuerySet[Incident]:
    """The register plus the caller's own reports, each marked whether the file is readable."""
    return (
        incidents_for_user(request.user, organisation, own=True)
        .annotate(
            full_access=ExpressionWrapper(
                incident_reach(request.user, "view", own=False), output_field=BooleanField()
            )
        )
        .select_related("advice")
        .prefetch_related(
            "applications", "suppliers", "schools", "plan_measures", "notifications", "timeline"
        )
    )


def _incident(request: HttpRequest, org_id: int, pk: int) -> Incident:
    incident = _rows(request, _organisation(request, org_id)).filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


@router.get(
    "/organisations/{org_id}/incidents",
    response=list[IncidentOut],
    summary="Incidenten en datalekken (onder een bestuur ook die van de scholen)",
)
@paginate(LimitOffsetPagination)
def list_incidents(
    request: HttpRequest, org_id: int, kind: str = "", status: str = "", open: bool = False
) -> Any:
    organisation = _organisation(request, org_id)
    require_known("kind", kind, IncidentKind.values)
    require_known("status", status, IncidentStatus.values)
    rows = filter_incidents(
        _rows(request, organisation), IncidentFilter(kind=kind, status=status, open_only=open)
    )
    return ConvertedPage(rows, _out)


@router.post(
    "/organisations/{org_id}/incidents",
    response={201: IncidentOut},
    summary="Een incident of vermoedelijk datalek melden",
)
def create_incident(request: HttpRequest, org_id: int, payload: ReportIn) -> Status[IncidentOut]:
    organisation = _organisation(request, org_id)
    values = payload.dict()
    if values["schools"] is None:
        values.pop("schools")
    if values["kind"] is None:
        values.pop("kind")
    incident = services.report_incident(Actor.for_user(request.user), organisation, **values)
    return Status(201, _out(_incident(request, org_id, incident.pk)))


@router.get("/organisations/{org_id}/incidents/{incident_id}", response=IncidentOut)
def get_incident(request: HttpRequest, org_id: int, incident_id: int) -> IncidentOut:
    return _out(_incident(request, org_id, incident_id))


@router.patch(
    "/organisations/{org_id}/incidents/{incident_id}",
    response=IncidentOut,
    summary="Een incident wijzigen (wie het behandelt)",
)
def update_incident(
    request: HttpRequest, org_id: int, incident_id: int, payload: IncidentPatch
) -> IncidentOut:
    incident = _incident(request, org_id, incident_id)
    values = payload.dict(exclude_unset=True)
    values = {k: v for k, v in values.items() if v is not None or k in NULLABLE}
    services.update_incident(Actor.for_user(request.user), incident, **values)
    return _out(_incident(request, org_id, incident_id))


@router.delete(
    "/organisations/{org_id}/incidents/{incident_id}",
    response={204: None},
    summary="Een per vergissing gemeld incident verwijderen (nooit een datalek)",
)
def delete_incident(request: HttpRequest, org_id: int, incident_id: int) -> Status[None]:
    services.delete_incident(Actor.for_user(request.user), _incident(request, org_id, incident_id))
    return Status(204, None)


@router.post(
    "/organisations/{org_id}/incidents/{incident_id}/timeline",
    response={201: IncidentOut},
    summary="Een regel aan de tijdlijn toevoegen",
)
def add_timeline(
    request: HttpRequest, org_id: int, incident_id: int, payload: TimelineIn
) -> Status[IncidentOut]:
    incident = _incident(request, org_id, incident_id)
    services.add_timeline_entry(Actor.for_user(request.user), incident, **payload.dict())
    return Status(201, _out(_incident(request, org_id, incident_id)))


@router.put(
    "/organisations/{org_id}/incidents/{incident_id}/assessment",
    response=IncidentOut,
    summary="Beoordeling en besluit over een datalek (de privacy officer namens het bestuur)",
)
def put_assessment(
    request: HttpRequest, org_id: int, incident_id: int, payload: AssessmentIn
) -> IncidentOut:
    incident = _incident(request, org_id, incident_id)
    services.record_assessment(Actor.for_user(request.user), incident, **payload.dict())
    return _out(_incident(request, org_id, incident_id))


@router.put(
    "/organisations/{org_id}/incidents/{incident_id}/advice",
    response=IncidentOut,
    summary="Het advies van de FG over een datalek (alleen de FG)",
)
def put_advice(
    request: HttpRequest, org_id: int, incident_id: int, payload: AdviceIn
) -> IncidentOut:
    incident = _incident(request, org_id, incident_id)
    services.record_advice(Actor.for_user(request.user), incident, text=payload.text)
    return _out(_incident(request, org_id, incident_id))


@router.post(
    "/organisations/{org_id}/incidents/{incident_id}/notifications",
    response={201: IncidentOut},
    summary="De melding aan de AP, een aanvulling of de intrekking vastleggen",
)
def add_notification(
    request: HttpRequest, org_id: int, incident_id: int, payload: NotificationIn
) -> Status[IncidentOut]:
    incident = _incident(request, org_id, incident_id)
    services.record_notification(Actor.for_user(request.user), incident, **payload.dict())
    return Status(201, _out(_incident(request, org_id, incident_id)))


@router.post(
    "/organisations/{org_id}/incidents/{incident_id}/close",
    response=IncidentOut,
    summary="Een incident afsluiten met een afsluitende toelichting",
)
def close_incident(
    request: HttpRequest, org_id: int, incident_id: int, payload: CloseIn
) -> IncidentOut:
    incident = _incident(request, org_id, incident_id)
    services.close_incident(Actor.for_user(request.user), incident, note=payload.closing_note)
    return _out(_incident(request, org_id, incident_id))


@router.post(
    "/organisations/{org_id}/incidents/{incident_id}/reopen",
    response=IncidentOut,
    summary="Een afgesloten incident heropenen",
)
def reopen_incident(
    request: HttpRequest, org_id: int, incident_id: int, payload: ReopenIn
) -> IncidentOut:
    incident = _incident(request, org_id, incident_id)
    services.reopen_incident(Actor.for_user(request.user), incident, reason=payload.reason)
    return _out(_incident(request, org_id, incident_id))


@router.post(
    "/organisations/{org_id}/incidents/{incident_id}/plan-measures",
    response={201: IncidentOut},
    summary="Een maatregel uit het plan koppelen (plan_measure) of een nieuwe maken (title)",
)
def add_plan_measure(
    request: HttpRequest, org_id: int, incident_id: int, payload: PlanMeasureIn
) -> Status[IncidentOut]:
    incident = _incident(request, org_id, incident_id)
    actor = Actor.for_user(request.user)
    if payload.plan_measure is not None:
        services.link_plan_measure(actor, incident, payload.plan_measure)
    elif payload.title.strip():
        services.create_plan_measure(
            actor, incident, title=payload.title, description=payload.description
        )
    else:
        raise ValidationError(
            {"plan_measure": [_("Geef een maatregel uit het plan, of een titel voor een nieuwe.")]}
        )
    return Status(201, _out(_incident(request, org_id, incident_id)))
