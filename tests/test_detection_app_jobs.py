"""Log analysis around the uploads: handling alerts (audited, a false alarm says why, an
incident is linked), the basismaatregel-10 figure worked out by hand, the retention purge and
the compaction (each under the board's lease, audited), the periodic jobs in the scheduler,
and the demo board's log analysis."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.detection import services, tasks
from schildwacht.detection.demo import load_demo_detection
from schildwacht.detection.engine.storage import EventStore
from schildwacht.detection.models import AlertStatus, DetectionAlert, LogUpload, SourceSetting
from schildwacht.detection.queries import log_sources
from schildwacht.incidents.models import Incident
from schildwacht.lib.coverage import Coverage
from schildwacht.operations.scheduler import JOBS
from schildwacht.planning.indicators import indicator_figure
from tests.personas import Personas
from tests.test_detection_app_ingest import (  # noqa: F401  (the fixture is used by name)
    SYSTEM,
    at,
    brute_force,
    detection_home_fixture,
    ingested,
    jsonl,
    ordinary,
    store_of,
)
from tests.test_incidents_services import report


def coordinator(personas: Personas) -> Actor:
    return Actor.for_user(personas["coordinator_a"])


@pytest.fixture
def alert(personas: Personas) -> DetectionAlert:
    ingested(personas.tree.board_a, jsonl(brute_force(at(1, 2), "dirk")))
    return DetectionAlert.objects.get()


# Handling alerts -------------------------------------------------------------------------------


def test_status_change_is_audited_and_checked(personas: Personas, alert: DetectionAlert) -> None:
    services.change_alert_status(
        coordinator(personas), alert, AlertStatus.TRIAGED, note="Kijk ik na."
    )
    entry = AuditEntry.objects.filter(
        object_type="detection.detectionalert", object_id=str(alert.pk), action="update"
    ).get()
    assert entry.actor_user_id == personas["coordinator_a"].pk
    assert entry.payload.changes["status"] == ["new", "triaged"]
    # Nothing changes: nothing recorded.
    services.change_alert_status(coordinator(personas), alert, AlertStatus.TRIAGED)
    assert (
        AuditEntry.objects.filter(object_type="detection.detectionalert", action="update").count()
        == 1
    )
    for status, note, field in (
        (AlertStatus.FALSE_POSITIVE, "", "note"),
        (AlertStatus.INCIDENT, None, "incident"),
        ("dicht", None, "status"),
        (AlertStatus.NEW, "a\x00", "note"),
        (AlertStatus.NEW, 12, "note"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.change_alert_status(coordinator(personas), alert, status, note=note)
        assert field in refused.value.message_dict
    for name in ("board_member_a", "auditor_a", "privacy_officer_a", "coordinator_b"):
        with pytest.raises(services.DetectionRefused):
            services.change_alert_status(Actor.for_user(personas[name]), alert, AlertStatus.NEW)


def test_linking_an_existing_incident(personas: Personas, alert: DetectionAlert) -> None:
    own = report(personas.tree.school_a1, personal_data="no", title="Account overgenomen")
    other = report(personas.tree.board_b, personal_data="no", title="Elders")
    with pytest.raises(ValidationError):
        services.change_alert_status(
            coordinator(personas), alert, AlertStatus.INCIDENT, incident=other
        )
    services.change_alert_status(
        coordinator(personas), alert, AlertStatus.INCIDENT, incident=own.pk
    )
    alert.refresh_from_db()
    assert alert.incident == own and alert.status == AlertStatus.INCIDENT


def test_create_incident_from_alert(personas: Personas, alert: DetectionAlert) -> None:
    incident = services.create_incident_from_alert(coordinator(personas), alert, note="Gereset.")
    alert.refresh_from_db()
    assert alert.incident == incident and alert.status == AlertStatus.INCIDENT
    assert incident.organisation == personas.tree.board_a and incident.kind == "cyber"
    assert incident.personal_data == "unknown" and incident.occurred_at == alert.first_seen
    assert "dirk@alfa.example" in incident.description and "brute_force" in incident.description
    assert incident.timeline.count() == 1
    assert AuditEntry.objects.filter(object_type="incidents.incident", action="create").exists()
    with pytest.raises(ValidationError):
        services.create_incident_from_alert(coordinator(personas), alert)
    with pytest.raises(services.DetectionRefused):
        services.create_incident_from_alert(Actor.for_user(personas["auditor_a"]), alert)
    assert Incident.objects.count() == 1


# Basismaatregel 10 -----------------------------------------------------------------------------


def test_log_sources_figure_by_hand(personas: Personas, detection_home: Path) -> None:
    board = personas.tree.board_a
    user = personas["board_member_a"]
    assert log_sources(user, board) == Coverage(0, 0)
    # Entra sign-ins delivered yesterday; the audit log set up but never delivered;
    # Google sign-ins delivered ten days ago only; a source switched off does not count.
    ingested(board, jsonl(ordinary(1)))
    SourceSetting.objects.create(organisation=board, source="entra-audit")
    SourceSetting.objects.create(organisation=board, source="google-login")
    SourceSetting.objects.create(organisation=board, source="syslog", enabled=False)
    store = store_of(board, detection_home)
    manifest_day = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    data = store._read_manifest()
    data["files"].append(
        {"source": "google-login", "day": manifest_day, "path": "google-login/x.parquet"}
    )
    store._write_manifest(data)
    assert log_sources(user, board) == Coverage(covered=1, total=3)
    # The same through the plan's indicator registry, for a school of the board too.
    assert indicator_figure("detection.log_sources", user, personas.tree.school_a1) == Coverage(
        1, 3
    )
    # Those who do not read the board's log analysis get nothing to count.
    for name in ("school_leader_a", "fg_a", "coordinator_b"):
        assert log_sources(personas[name], board) == Coverage(0, 0)
    # Seven days on, yesterday's upload no longer counts as delivering.
    assert log_sources(user, board, today=timezone.localdate() + dt.timedelta(days=7)) == Coverage(
        0, 3
    )


# Upkeep ----------------------------------------------------------------------------------------


def test_purge_deletes_days_past_retention_and_is_audited(
    personas: Personas, detection_home: Path
) -> None:
    board = personas.tree.board_a
    ingested(board, jsonl(ordinary(20) + ordinary(2)))
    ingested(board, jsonl(brute_force(at(20, 2), "dirk")))
    store = store_of(board, detection_home)
    assert {f.day for f in store.files()} == {at(20).date(), at(2).date()}
    services.set_source_setting(
        coordinator(personas), board, "entra-signin", retention_days=10, enabled=True
    )
    result = services.purge_logs()
    assert result.done == {board.pk: 2} and result.busy == []
    assert {f.day for f in store.files()} == {at(2).date()}
    alert = DetectionAlert.objects.get(rule_id="brute_force")
    entry = AuditEntry.objects.filter(object_type="detection.eventstore", action="delete").get()
    assert entry.organisation_id == board.pk and entry.actor_label == "systeem: loganalyse"
    assert entry.payload.changes["retired_files"] == [None, 2]
    assert alert.entity == "dirk@alfa.example"


def test_purge_clears_samples_of_old_alerts(personas: Personas) -> None:
    board = personas.tree.board_a
    ingested(board, jsonl(brute_force(at(200, 2), "dirk")))
    assert DetectionAlert.objects.get().sample
    services.purge_logs()
    assert DetectionAlert.objects.get().sample == []


def test_upkeep_waits_for_a_busy_board(personas: Personas) -> None:
    board = personas.tree.board_a
    ingested(board, jsonl(ordinary(1)))
    token = services.take_lease(board)
    assert services.purge_logs().busy == [board.pk]
    assert services.compact_logs().busy == [board.pk]
    # An upload arriving meanwhile waits too ...
    waiting = services.upload_log(SYSTEM, board, "entra-signin", _file(jsonl(ordinary(2))))
    assert services.ingest(waiting.pk).state == "waiting"
    services.release_lease(board.pk, token or "")
    # ... and the next writer to finish starts it.
    assert services.compact_logs().busy == []
    waiting.refresh_from_db()
    assert waiting.status == "done"


def test_compaction_merges_a_days_files(personas: Personas, detection_home: Path) -> None:
    board = personas.tree.board_a
    anna = jsonl(ordinary(1, users=("anna",)))
    ingested(board, anna)
    ingested(board, jsonl(ordinary(1, users=("bram",))))
    store = store_of(board, detection_home)
    assert len(store.files()) == 2
    result = services.compact_logs()
    assert result.done == {board.pk: 2}
    assert len(store.files()) == 1
    assert AuditEntry.objects.filter(object_type="detection.eventstore", action="update").exists()
    # Stored events are the same after compaction: the same file again adds nothing.
    again = ingested(board, anna)
    assert again.events_stored == 0


def test_the_periodic_jobs_are_registered() -> None:
    jobs = {job.name: job for job in JOBS}
    assert jobs["compact_logs"].task == tasks.compact_logs
    assert jobs["purge_logs"].task == tasks.purge_logs
    assert jobs["restart_uploads"].task == tasks.restart_uploads
    assert jobs["purge_logs"].period == "daily" and jobs["restart_uploads"].period == "hourly"


def test_the_tasks_run(personas: Personas) -> None:
    board = personas.tree.board_a
    item = services.upload_log(SYSTEM, board, "entra-signin", _file(jsonl(ordinary(1))))
    assert tasks.ingest_upload.call(item.pk) == "done"
    assert tasks.restart_uploads.call() == 0
    assert tasks.compact_logs.call() == 0
    assert tasks.purge_logs.call() == 0
    assert LogUpload.objects.get().status == "done"


def _file(content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("signins.jsonl", content)


# The demo --------------------------------------------------------------------------------------


def test_demo_shows_sources_a_report_and_alerts_one_a_false_alarm(
    personas: Personas, detection_home: Path
) -> None:
    board = personas.tree.board_a
    demo = Actor.system("demo")
    made = load_demo_detection(demo, board)
    assert made >= 2
    uploads = LogUpload.objects.filter(organisation=board)
    assert all(item.status == "done" for item in uploads)
    signins = uploads.get(source="entra-signin")
    assert signins.events_stored > 200 and signins.report["refused"] == 0
    rules = set(DetectionAlert.objects.filter(organisation=board).values_list("rule_id", flat=True))
    assert {"brute_force", "impossible_travel", "admin_role_granted"} <= rules
    false_alarm = DetectionAlert.objects.get(rule_id="impossible_travel")
    assert false_alarm.status == AlertStatus.FALSE_POSITIVE and "VPN" in false_alarm.note
    assert log_sources(personas["coordinator_a"], board).covered >= 2
    # Idempotent: a second run adds nothing.
    assert load_demo_detection(demo, board) == 0
    assert LogUpload.objects.filter(organisation=board).count() == uploads.count()
    assert EventStore(detection_home / "detection" / "events" / str(board.pk)).latest()
