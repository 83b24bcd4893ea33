"""API of the detection app: log uploads and alerts.

Under a board, as every domain resource: ``/api/v1/organisations/{org_id}/log-uploads`` (list;
POST multipart ``source`` and ``file`` answers 202 with the queued upload; GET one for its
status, progress and report) and ``…/alerts`` (list with filters ``status``, ``severity``,
``rule_id``, ``since``; GET one; PATCH ``status``, ``note`` and ``incident``). The same without
the organisation, across every board the caller reads: ``/api/v1/log-uploads`` (POST names the
board in the form field ``organisation``) and ``/api/v1/alerts``.

Thin: the same scoping (``detection_board_ids``), queries and services as the pages. Log
analysis lives at board level: a school, the sector node or a board whose log analysis the
caller does not read is 404 (the FG and school leaders included, see ``detection/models.py``).
Inside reach a refused write is 403; a bad value is 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import Field

from schildwacht.api.pages import ConvertedPage, require_known
from schildwacht.audit.services import Actor
from schildwacht.detection import services
from schildwacht.detection.models import (
    AlertStatus,
    DetectionAlert,
    LogUpload,
    Severity,
    detection_board_ids,
    refusal_label,
)
from schildwacht.detection.queries import AlertFilter, filter_alerts, rule_title
from schildwacht.organisations.models import Organisation, OrganisationKind

router = Router(tags=["detection"])


class RefusalOut(Schema):
    record: int | None
    code: str
    reason: str
    detail: str


class ReportOut(Schema):
    records: int = 0
    events: int = 0
    duplicates: int = 0
    refused: int = 0
    refusals: list[RefusalOut] = []
    shapes: dict[str, int] = {}
    days: dict[str, int] = {}


class UploadOut(Schema):
    id: int
    organisation: int
    source: str
    file_name: str
    size: int
    sha256: str
    status: str
    progress: int
    step: str
    report: ReportOut | None
    events_stored: int
    alerts_created: int
    alerts_updated: int
    error: str
    uploaded_by: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class AlertOut(Schema):
    id: int
    organisation: int
    rule_id: str
    title: str
    severity: str
    kind: str
    entity: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    count: int
    sample: list[dict[str, Any]]
    status: str
    note: str
    incident: int | None
    handled_by: int | None
    handled_at: dt.datetime | None
    upload: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class AlertPatch(Schema):
    status: str | None = None
    note: str | None = Field(default=None, max_length=4000)
    incident: int | None = None


def _report(upload: LogUpload) -> ReportOut | None:
    if upload.status != "done":
        return None
    data = upload.report or {}
    return ReportOut(
        records=int(data.get("records", 0)),
        events=int(data.get("events", 0)),
        duplicates=int(data.get("duplicates", 0)),
        refused=int(data.get("refused", 0)),
        refusals=[
            RefusalOut(
                record=item.get("record"),
                code=str(item.get("code", "")),
                reason=refusal_label(str(item.get("code", ""))),
                detail=str(item.get("detail", "")),
            )
            for item in data.get("refusals", [])
        ],
        shapes={str(k): int(v) for k, v in (data.get("shapes") or {}).items()},
        days={str(k): int(v) for k, v in (data.get("days") or {}).items()},
    )


def _upload_out(upload: LogUpload) -> UploadOut:
    return UploadOut(
        id=upload.pk,
        organisation=upload.organisation_id,
        source=upload.source,
        file_name=upload.file_name,
        size=upload.size,
        sha256=upload.sha256,
        status=upload.status,
        progress=upload.progress,
        step=upload.step,
        report=_report(upload),
        events_stored=upload.events_stored,
        alerts_created=upload.alerts_created,
        alerts_updated=upload.alerts_updated,
        error=upload.error,
        uploaded_by=upload.uploaded_by_id,
        created_at=upload.created_at,
        started_at=upload.started_at,
        finished_at=upload.finished_at,
    )


def _alert_out(alert: DetectionAlert) -> AlertOut:
    return AlertOut(
        id=alert.pk,
        organisation=alert.organisation_id,
        rule_id=alert.rule_id,
        title=rule_title(alert.rule_id, alert.title),
        severity=alert.severity,
        kind=alert.kind,
        entity=alert.entity,
        first_seen=alert.first_seen,
        last_seen=alert.last_seen,
        count=alert.count,
        sample=[row for row in alert.sample or [] if isinstance(row, dict)],
        status=alert.status,
        note=alert.note,
        incident=alert.incident_id,
        handled_by=alert.handled_by_id,
        handled_at=alert.handled_at,
        upload=alert.upload_id,
        created_at=alert.created_at,
        updated_at=alert.updated_at,
    )


# The largest id a database key holds; a larger number is no id (SQLite cannot even bind it).
MAX_ID = 2**63 - 1


def _board(request: HttpRequest, org_id: int) -> Organisation:
    """A board whose log analysis the caller reads, else 404."""
    if not 0 < org_id <= MAX_ID or org_id not in detection_board_ids(request.user, "view"):
        raise Http404
    board = Organisation.objects.filter(pk=org_id, kind=OrganisationKind.BOARD).first()
    if board is None:
        raise Http404
    return board


def _uploads(request: HttpRequest, board_id: int | None = None) -> QuerySet[LogUpload]:
    rows = LogUpload.objects.for_user(request.user).order_by("-created_at", "-pk")
    return rows if board_id is None else rows.filter(organisation_id=board_id)


def _alerts(request: HttpRequest, board_id: int | None = None) -> QuerySet[DetectionAlert]:
    rows = DetectionAlert.objects.for_user(request.user).order_by("-last_seen", "-pk")
    return rows if board_id is None else rows.filter(organisation_id=board_id)


def _one(rows: QuerySet[Any], pk: int) -> Any:
    found = rows.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise Http404
    return found


def _create_upload(
    request: HttpRequest, board: Organisation, source: str, file: UploadedFile
) -> Status[UploadOut]:
    upload = services.upload_log(Actor.for_user(request.user), board, source, file)
    return Status(202, _upload_out(_one(_uploads(request), upload.pk)))


def _moment(name: str, value: str) -> dt.datetime | None:
    """An ISO 8601 moment with its time zone from a query parameter; 422 naming it if not.

    (A plain string: ninja cannot resolve a ``datetime`` behind ``@paginate`` in a module with
    postponed annotations.)
    """
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError({name: [_("Geef een datum en tijd (ISO 8601).")]}) from None
    if moment.tzinfo is None:
        raise ValidationError({name: [_("Geef een tijdstip met tijdzone.")]})
    return moment


def _filtered(
    rows: QuerySet[DetectionAlert], status: str, severity: str, rule_id: str, since: str
) -> ConvertedPage:
    require_known("status", status, AlertStatus.values)
    require_known("severity", severity, Severity.values)
    selection = AlertFilter(
        status=status, severity=severity, rule_id=rule_id[:200], since=_moment("since", since)
    )
    return ConvertedPage(filter_alerts(rows, selection), _alert_out)


def _patch(request: HttpRequest, alert: DetectionAlert, payload: AlertPatch) -> AlertOut:
    values = payload.dict(exclude_unset=True)
    if not values:
        raise ValidationError({"status": [_("Geef een status, toelichting of incident.")]})
    services.change_alert_status(
        Actor.for_user(request.user),
        alert,
        values.get("status") or alert.status,
        note=values.get("note"),
        incident=values.get("incident"),
    )
    return _alert_out(_one(_alerts(request), alert.pk))


# Under a board ---------------------------------------------------------------------------------


@router.get(
    "/organisations/{org_id}/log-uploads",
    response=list[UploadOut],
    summary="Geüploade logbestanden van een bestuur, nieuwste eerst",
)
@paginate(LimitOffsetPagination)
def list_board_uploads(request: HttpRequest, org_id: int) -> Any:
    board = _board(request, org_id)
    return ConvertedPage(_uploads(request, board.pk), _upload_out)


@router.post(
    "/organisations/{org_id}/log-uploads",
    response={202: UploadOut},
    summary="Een logbestand uploaden (multipart: source, file); de worker verwerkt het",
)
def create_board_upload(
    request: HttpRequest, org_id: int, source: Form[str], file: File[UploadedFile]
) -> Status[UploadOut]:
    return _create_upload(request, _board(request, org_id), source, file)


@router.get("/organisations/{org_id}/log-uploads/{upload_id}", response=UploadOut)
def get_board_upload(request: HttpRequest, org_id: int, upload_id: int) -> UploadOut:
    board = _board(request, org_id)
    return _upload_out(_one(_uploads(request, board.pk), upload_id))


@router.get(
    "/organisations/{org_id}/alerts",
    response=list[AlertOut],
    summary="Signalen van de loganalyse van een bestuur",
)
@paginate(LimitOffsetPagination)
def list_board_alerts(
    request: HttpRequest,
    org_id: int,
    status: str = "",
    severity: str = "",
    rule_id: str = "",
    since: str = "",
) -> Any:
    board = _board(request, org_id)
    return _filtered(_alerts(request, board.pk), status, severity, rule_id, since)


@router.get("/organisations/{org_id}/alerts/{alert_id}", response=AlertOut)
def get_board_alert(request: HttpRequest, org_id: int, alert_id: int) -> AlertOut:
    board = _board(request, org_id)
    return _alert_out(_one(_alerts(request, board.pk), alert_id))


@router.patch(
    "/organisations/{org_id}/alerts/{alert_id}",
    response=AlertOut,
    summary="Een signaal behandelen: status, toelichting, incident",
)
def update_board_alert(
    request: HttpRequest, org_id: int, alert_id: int, payload: AlertPatch
) -> AlertOut:
    board = _board(request, org_id)
    return _patch(request, _one(_alerts(request, board.pk), alert_id), payload)


# Across the caller's boards --------------------------------------------------------------------


@router.get(
    "/log-uploads",
    response=list[UploadOut],
    summary="Geüploade logbestanden van alle besturen die u leest",
)
@paginate(LimitOffsetPagination)
def list_uploads(request: HttpRequest) -> Any:
    return ConvertedPage(_uploads(request), _upload_out)


@router.post(
    "/log-uploads",
    response={202: UploadOut},
    summary="Een logbestand uploaden (multipart: organisation, source, file)",
)
def create_upload(
    request: HttpRequest, organisation: Form[int], source: Form[str], file: File[UploadedFile]
) -> Status[UploadOut]:
    return _create_upload(request, _board(request, organisation), source, file)


@router.get("/log-uploads/{upload_id}", response=UploadOut)
def get_upload(request: HttpRequest, upload_id: int) -> UploadOut:
    return _upload_out(_one(_uploads(request), upload_id))


@router.get("/alerts", response=list[AlertOut], summary="Signalen van alle besturen die u leest")
@paginate(LimitOffsetPagination)
def list_alerts(
    request: HttpRequest,
    status: str = "",
    severity: str = "",
    rule_id: str = "",
    since: str = "",
) -> Any:
    return _filtered(_alerts(request), status, severity, rule_id, since)


@router.get("/alerts/{alert_id}", response=AlertOut)
def get_alert(request: HttpRequest, alert_id: int) -> AlertOut:
    return _alert_out(_one(_alerts(request), alert_id))


@router.patch(
    "/alerts/{alert_id}",
    response=AlertOut,
    summary="Een signaal behandelen: status, toelichting, incident",
)
def update_alert(request: HttpRequest, alert_id: int, payload: AlertPatch) -> AlertOut:
    return _patch(request, _one(_alerts(request), alert_id), payload)
