"""The demo incident history of a board, from ``data/demo.yaml`` (idempotent, through the
services, so it is audited).

``load_demo_incidents(actor, board)`` adds a closed phishing incident, a breach notified to the
AP (with the FG's advice and a phased notification), a breach not notified with its reasoning,
and a breach reported by a processor that is open at hour 30 of its clock, relative to now.
Load the board's applications and agreements first, so the processor's term is found.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from schildwacht.audit.services import Actor
from schildwacht.incidents import services
from schildwacht.incidents.models import Incident
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.registers.models import Application

DEMO_FILE = Path(__file__).parent / "data" / "demo.yaml"


@cache
def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return data


def _ago(now: dt.datetime, hours: float) -> dt.datetime:
    return now - dt.timedelta(hours=hours)


def _processor_application(board: Organisation) -> Application | None:
    """An application of the board whose agreement records a breach-notification term."""
    return (
        Application.objects.filter(
            organisation__path__startswith=board.path,
            agreements__breach_notification_hours__isnull=False,
        )
        .order_by("name")
        .first()
    )


def _report(actor: Actor, board: Organisation, item: dict[str, Any], now: dt.datetime) -> Incident:
    school = Organisation.objects.filter(parent=board, kind=OrganisationKind.SCHOOL).order_by(
        "path"
    )
    organisation = (school.first() or board) if item.get("school") else board
    incident = services.report_incident(
        actor,
        organisation,
        title=item["title"],
        kind=item["kind"],
        description=item["description"],
        personal_data=item["personal_data"],
        discovered_at=_ago(now, item["discovered_hours_ago"]),
        occurred_at=_ago(now, item["occurred_hours_ago"]) if "occurred_hours_ago" in item else None,
        reporter_name=item["reporter_name"],
    )
    values: dict[str, Any] = {"severity": item.get("severity", ""), **item.get("details", {})}
    if item.get("handler_name"):
        values["handler_name"] = item["handler_name"]
    if item.get("processor"):
        application = _processor_application(board)
        informed = _ago(now, item["processor_informed_hours_ago"])
        values.update(processor_informed_at=informed, aware_at=informed)
        if application is not None:
            values.update(processor_application=application.pk, applications=[application.pk])
    if "subjects_informed_hours_ago" in item:
        values["subjects_informed_at"] = _ago(now, item["subjects_informed_hours_ago"])
        values["subjects_informed_how"] = "brief aan de ouders"
    if cert := item.get("cert"):
        values.update(
            cert_tlp=cert["tlp"], cert_summary=cert["summary"], cert_indicators=cert["indicators"]
        )
    if item.get("lessons_learned"):
        values["lessons_learned"] = item["lessons_learned"]
    return services.update_incident(actor, incident, **values)


def _follow_up(actor: Actor, incident: Incident, item: dict[str, Any], now: dt.datetime) -> None:
    for entry in item.get("timeline", []):
        services.add_timeline_entry(
            actor, incident, text=entry["text"], at=_ago(now, entry["hours_ago"])
        )
    if "advice" in item:
        services.record_advice(actor, incident, text=item["advice"])
    if "assessment" in item:
        services.record_assessment(actor, incident, **item["assessment"])
    if notification := item.get("notification"):
        assert incident.aware_at is not None
        services.record_notification(
            actor,
            incident,
            kind="initial",
            notified_at=incident.aware_at + dt.timedelta(hours=notification["hours_after_aware"]),
            reference=notification["reference"],
            summary=notification["summary"],
        )
    if item.get("close"):
        services.close_incident(actor, incident, note=item["close"])


def load_demo_incidents(actor: Actor, board: Organisation) -> int:
    """The demo incident history of ``board``; returns how many incidents were added (0 on a
    re-run: an incident whose title the board already has is left alone)."""
    now = timezone.now()
    made = 0
    for item in demo_data()["incidents"]:
        if Incident.objects.filter(
            organisation__path__startswith=board.path, title=item["title"]
        ).exists():
            continue
        incident = _report(actor, board, item, now)
        _follow_up(actor, incident, item, now)
        made += 1
    return made
