"""Log analysis, the worker's side: an upload read, stored and run through the rules; the same
file again adds nothing; alerts merge across runs and keep their status; the board's lease
(a second ingest waits, an expired lease is taken over); bad files give a report with line
numbers and Dutch reasons; the processing register entry and the pre-scan come once; the
e-mail about new serious alerts names no one.

Shared helpers for the other ``test_detection_app_*`` modules live here too.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.detection import services
from schildwacht.detection.engine.reading import REFUSAL_CODES
from schildwacht.detection.engine.sources import sources
from schildwacht.detection.engine.storage import EventStore
from schildwacht.detection.models import (
    REFUSAL_LABELS,
    SOURCE_LABELS,
    AlertStatus,
    DetectionAlert,
    IngestLock,
    LogUpload,
    SourceSetting,
    UploadStatus,
)
from schildwacht.detection.services.lock import LeaseLost
from schildwacht.dpia.models import PreScan
from schildwacht.organisations.models import Organisation
from schildwacht.registers.models import ProcessingActivity
from tests.personas import Personas

SYSTEM = Actor.system("tests")
DOMAIN = "alfa.example"


@pytest.fixture(autouse=True, name="detection_home")
def detection_home_fixture(settings: Any, tmp_path: Path) -> Path:
    """Every test its own data folder: the event store lives on disk, beside the database."""
    settings.SCHILDWACHT_HOME = tmp_path
    return tmp_path


def at(days_ago: float, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment ``days_ago`` days before today, at the given UTC time."""
    day = timezone.now().astimezone(dt.UTC) - dt.timedelta(days=days_ago)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_counter = iter(range(1, 10**9))


def signin(
    moment: dt.datetime,
    user: str,
    *,
    error: int = 0,
    ip: str = "203.0.113.10",
    city: str = "Utrecht",
    country: str = "NL",
    latitude: float = 52.09,
    longitude: float = 5.12,
    key: str | None = None,
    client: str = "Browser",
) -> dict[str, Any]:
    """One Entra ID sign-in (Graph shape)."""
    return {
        "id": key or f"signin-{next(_counter):08d}",
        "createdDateTime": stamp(moment),
        "userPrincipalName": f"{user}@{DOMAIN}",
        "appDisplayName": "Office 365 Exchange Online",
        "ipAddress": ip,
        "clientAppUsed": client,
        "status": {"errorCode": error, "failureReason": "Invalid password" if error else None},
        "location": {
            "city": city,
            "countryOrRegion": country,
            "geoCoordinates": {"latitude": latitude, "longitude": longitude},
        },
    }


def brute_force(start: dt.datetime, user: str, count: int = 12) -> list[dict[str, Any]]:
    """``count`` wrong passwords for one account, twenty seconds apart."""
    return [
        signin(start + dt.timedelta(seconds=20 * n), user, error=50126, ip="192.0.2.66")
        for n in range(count)
    ]


def ordinary(
    days_ago: float, users: Iterable[str] = ("anna", "bram", "cees")
) -> list[dict[str, Any]]:
    """A morning of ordinary successful sign-ins from school."""
    return [
        signin(at(days_ago, 7 + n, 5 * i), user) for n in range(3) for i, user in enumerate(users)
    ]


def jsonl(records: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)


def as_file(content: bytes, name: str = "signins.jsonl") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def upload(
    board: Organisation,
    content: bytes,
    *,
    source: str = "entra-signin",
    by: Actor = SYSTEM,
    name: str = "signins.jsonl",
) -> LogUpload:
    return services.upload_log(by, board, source, as_file(content, name))


def ingested(board: Organisation, content: bytes, **kwargs: Any) -> LogUpload:
    """Upload and process at once (the task function, called directly)."""
    item = upload(board, content, **kwargs)
    outcome = services.ingest(item.pk)
    item.refresh_from_db()
    assert outcome.state in ("done", "failed"), outcome
    return item


def store_of(board: Organisation, home: Path) -> EventStore:
    return EventStore(home / "detection" / "events" / str(board.pk))


# The whole way through ------------------------------------------------------------------------


def test_upload_is_stored_processed_and_raises_alerts(
    personas: Personas, detection_home: Path
) -> None:
    board = personas.tree.board_a
    coordinator = Actor.for_user(personas["coordinator_a"])
    content = jsonl(ordinary(2) + brute_force(at(1, 2), "dirk"))
    item = upload(board, content, by=coordinator)
    assert item.status == UploadStatus.QUEUED and item.size == len(content)
    stored = detection_home / "detection" / item.stored_path
    assert stored.read_bytes() == content and stored.name.startswith(item.sha256)

    assert services.ingest(item.pk).state == "done"
    item.refresh_from_db()
    assert item.status == UploadStatus.DONE and item.progress == 100
    assert item.events_stored == 21 and item.report["records"] == 21
    assert item.report["refused"] == 0 and item.report["duplicates"] == 0
    assert item.alerts_created == 1
    # The events are in the board's store; the uploaded file is gone.
    assert sum(item.report["days"].values()) == 21
    assert store_of(board, detection_home).latest()["entra-signin"] == at(1).date()
    assert not stored.exists()
    alert = DetectionAlert.objects.get(organisation=board)
    assert (alert.rule_id, alert.entity, alert.count) == ("brute_force", f"dirk@{DOMAIN}", 12)
    assert alert.severity == "high" and alert.status == AlertStatus.NEW
    assert alert.first_seen == at(1, 2) and alert.first_seen.tzinfo is not None
    assert len(alert.sample) == 10 and alert.sample[0]["source_ip"] == "192.0.2.66"
    assert "raw" not in alert.sample[0]
    assert alert.upload == item
    # Audited: the upload by the coordinator, its processing and the alert by the worker.
    entries = AuditEntry.objects.filter(organisation_id=board.pk)
    assert entries.filter(object_type="detection.logupload", action="create").get().actor_user_id
    assert entries.filter(
        object_type="detection.logupload", action="update", actor_label="systeem: loganalyse"
    ).exists()
    assert entries.filter(object_type="detection.detectionalert", action="create").count() == 1
    # A setting for the source, so the basismaatregel counts it.
    assert SourceSetting.objects.get(organisation=board).source == "entra-signin"


def test_the_same_file_again_adds_no_events_and_no_alerts(personas: Personas) -> None:
    board = personas.tree.board_a
    content = jsonl(ordinary(2) + brute_force(at(1, 2), "dirk"))
    first = ingested(board, content)
    audit_before = AuditEntry.objects.count()
    again = ingested(board, content, name="nogmaals.jsonl")
    assert again.status == UploadStatus.DONE
    assert again.events_stored == 0 and again.report["duplicates"] == first.events_stored
    assert (again.alerts_created, again.alerts_updated) == (0, 0)
    assert DetectionAlert.objects.count() == 1
    # Only the upload itself and its processing were recorded.
    assert AuditEntry.objects.count() - audit_before == 2


def test_a_file_with_repeated_lines_counts_them_as_duplicates(personas: Personas) -> None:
    records = ordinary(1)
    item = ingested(personas.tree.board_a, jsonl(records + records[:4]))
    assert item.report["records"] == 13 and item.events_stored == 9
    assert item.report["duplicates"] == 4


def test_gzip_and_json_array_files_are_read(personas: Personas) -> None:
    board = personas.tree.board_a
    item = ingested(board, gzip.compress(jsonl(ordinary(1))), name="signins.jsonl.gz")
    assert item.events_stored == 9
    array = json.dumps({"value": ordinary(2)}).encode()
    item = ingested(board, array, name="graph.json")
    assert item.events_stored == 9


# Merging alerts --------------------------------------------------------------------------------


def test_a_continued_attack_updates_the_alert_and_keeps_its_status(personas: Personas) -> None:
    board = personas.tree.board_a
    start = at(1, 2)
    ingested(board, jsonl(brute_force(start, "dirk")))
    alert = DetectionAlert.objects.get()
    services.change_alert_status(
        Actor.for_user(personas["coordinator_a"]),
        alert,
        AlertStatus.FALSE_POSITIVE,
        note="Pentest van de leverancier, afgesproken.",
    )
    # The attack went on after the first export: twelve more attempts.
    later = ingested(board, jsonl(brute_force(start + dt.timedelta(minutes=4), "dirk")))
    assert (later.alerts_created, later.alerts_updated) == (0, 1)
    alert.refresh_from_db()
    assert alert.count == 24 and alert.first_seen == start
    assert alert.last_seen == start + dt.timedelta(minutes=4, seconds=220)
    assert alert.status == AlertStatus.FALSE_POSITIVE
    assert alert.note == "Pentest van de leverancier, afgesproken."
    assert (
        AuditEntry.objects.filter(
            object_type="detection.detectionalert", object_id=str(alert.pk), action="update"
        ).count()
        == 2
    )  # the status change and the merge
    # The same account attacked again two days later: a new alert.
    ingested(board, jsonl(brute_force(at(3, 14), "dirk")))
    assert DetectionAlert.objects.filter(rule_id="brute_force").count() == 2
    # Another account at the same moment: its own alert.
    ingested(board, jsonl(brute_force(start, "eva")))
    assert DetectionAlert.objects.filter(entity=f"eva@{DOMAIN}").count() == 1


def test_alerts_of_one_board_never_merge_into_another_boards(personas: Personas) -> None:
    tree = personas.tree
    ingested(tree.board_a, jsonl(brute_force(at(1, 2), "dirk")))
    ingested(tree.board_b, jsonl(brute_force(at(1, 2), "dirk")))
    assert DetectionAlert.objects.filter(organisation=tree.board_a).count() == 1
    assert DetectionAlert.objects.filter(organisation=tree.board_b).count() == 1


def test_impossible_travel_pairs_become_one_alert(personas: Personas) -> None:
    evening = at(2, 19)
    records = [
        signin(evening, "eva"),
        signin(
            evening + dt.timedelta(minutes=30),
            "eva",
            ip="192.0.2.140",
            city="New York",
            country="US",
            latitude=40.71,
            longitude=-74.0,
        ),
        signin(evening + dt.timedelta(minutes=60), "eva"),
    ]
    ingested(personas.tree.board_a, jsonl(records))
    alert = DetectionAlert.objects.get(rule_id="impossible_travel")
    # There and back: two pairs sharing the New York sign-in, three events in one alert.
    assert alert.count == 3 and len(alert.sample) == 3


# The board's lease -----------------------------------------------------------------------------


def test_a_second_ingest_waits_while_the_lease_is_held(personas: Personas) -> None:
    board = personas.tree.board_a
    item = upload(board, jsonl(ordinary(1)))
    holder = services.take_lease(board)
    assert holder is not None
    assert services.take_lease(board) is None  # one writer at a time
    assert services.ingest(item.pk).state == "waiting"
    item.refresh_from_db()
    assert item.status == UploadStatus.QUEUED and item.events_stored == 0
    # The holder finishes; the upload goes through on the next try.
    services.release_lease(board.pk, holder)
    assert services.ingest(item.pk).state == "done"
    assert IngestLock.objects.get(organisation=board).holder == ""


def test_an_expired_lease_is_taken_over(personas: Personas) -> None:
    board = personas.tree.board_a
    item = upload(board, jsonl(ordinary(1)))
    crashed = services.take_lease(board, now=timezone.now() - dt.timedelta(hours=1))
    assert crashed is not None
    assert services.ingest(item.pk).state == "done"
    # The old holder can no longer renew what it lost.
    with pytest.raises(LeaseLost):
        services.renew_lease(board.pk, crashed)


def test_an_upload_is_processed_once(personas: Personas) -> None:
    item = upload(personas.tree.board_a, jsonl(ordinary(1)))
    assert services.ingest(item.pk).state == "done"
    assert services.ingest(item.pk).state == "skipped"
    assert services.ingest(10**9).state == "skipped"


def test_a_waiting_upload_runs_when_the_one_before_finishes(personas: Personas) -> None:
    board = personas.tree.board_a
    first = upload(board, jsonl(ordinary(2)))
    second = upload(board, jsonl(ordinary(1)))
    token = services.take_lease(board)
    assert token is not None
    assert services.ingest(second.pk).state == "waiting"
    services.release_lease(board.pk, token)
    # Finishing the first starts the next queued upload of the board (tests run tasks at once).
    assert services.ingest(first.pk).state == "done"
    second.refresh_from_db()
    assert second.status == UploadStatus.DONE


def test_restart_requeues_stalled_uploads_and_gives_up_after_three_attempts(
    personas: Personas,
) -> None:
    board = personas.tree.board_a
    stalled = upload(board, jsonl(ordinary(1)))
    old = timezone.now() - dt.timedelta(hours=1)
    # A worker died while running it (its lease ran out long ago).
    LogUpload.objects.filter(pk=stalled.pk).update(status="running", updated_at=old, attempts=1)
    hopeless = upload(board, jsonl(ordinary(2)))
    LogUpload.objects.filter(pk=hopeless.pk).update(status="running", updated_at=old, attempts=3)
    assert services.restart_stalled() == [stalled.pk]
    stalled.refresh_from_db()
    hopeless.refresh_from_db()
    assert stalled.status == UploadStatus.DONE and stalled.attempts == 2
    assert hopeless.status == UploadStatus.FAILED and "3 keer afgebroken" in hopeless.error


def test_a_running_upload_with_a_live_lease_is_left_alone(personas: Personas) -> None:
    board = personas.tree.board_a
    item = upload(board, jsonl(ordinary(1)))
    old = timezone.now() - dt.timedelta(hours=1)
    LogUpload.objects.filter(pk=item.pk).update(status="running", updated_at=old)
    assert services.take_lease(board) is not None
    assert services.restart_stalled() == []


# Bad input -------------------------------------------------------------------------------------


def _refusals(item: LogUpload) -> list[tuple[Any, str]]:
    return [(row["record"], row["code"]) for row in item.report["refusals"]]


def test_empty_too_big_and_unknown_source_are_refused_before_anything_is_stored(
    personas: Personas, settings: Any, detection_home: Path
) -> None:
    board = personas.tree.board_a
    with pytest.raises(ValidationError) as empty:
        upload(board, b"")
    assert "leeg" in empty.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as unknown:
        upload(board, jsonl(ordinary(1)), source="splunk")
    assert "logbronnen" in unknown.value.message_dict["source"][0]
    settings.DETECTION_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError) as big:
        upload(board, jsonl(ordinary(1)))
    assert "groter dan" in big.value.message_dict["file"][0]
    assert not LogUpload.objects.exists()
    assert not ProcessingActivity.objects.exists()


def test_a_file_of_another_source_is_refused_line_by_line(personas: Personas) -> None:
    audit_record = {
        "id": "Directory_1",
        "activityDateTime": stamp(at(1)),
        "activityDisplayName": "Add member to group",
        "result": "success",
    }
    item = ingested(personas.tree.board_a, jsonl([audit_record, audit_record | {"id": "x2"}]))
    assert item.status == UploadStatus.DONE and item.events_stored == 0
    assert _refusals(item) == [(1, "wrong_source"), (2, "wrong_source")]


def test_truncated_json_and_bad_bytes_are_named_by_line(personas: Personas) -> None:
    good = jsonl(ordinary(1))  # nine lines
    broken = b'{"id": "bad-bytes", "userPrincipalName": "\xff\xfe"}\n'
    cut = jsonl([signin(at(1, 12), "anna")])[:40]  # the export stopped half-way
    item = ingested(personas.tree.board_a, good + broken + b"{not json}\n" + cut)
    assert item.status == UploadStatus.DONE and item.events_stored == 9
    assert _refusals(item) == [(10, "not_utf8"), (11, "invalid_json"), (12, "truncated")]
    assert item.report["refused"] == 3 and item.report["records"] == 12


def test_a_file_without_records_reports_it(personas: Personas) -> None:
    item = ingested(personas.tree.board_a, b"\n\n   \n")
    assert item.status == UploadStatus.DONE and item.events_stored == 0
    assert _refusals(item) == [(None, "empty")]


def test_values_a_database_refuses_are_cleaned(personas: Personas) -> None:
    records = brute_force(at(1, 2), "dirk")
    for record in records:
        record["ipAddress"] = "192.0.2.66\u0000evil"
    ingested(personas.tree.board_a, jsonl(records))
    alert = DetectionAlert.objects.get()
    assert "\x00" not in json.dumps(alert.sample) and "\ufffd" in alert.sample[0]["source_ip"]


def test_a_failing_run_marks_the_upload_failed(personas: Personas, detection_home: Path) -> None:
    item = upload(personas.tree.board_a, jsonl(ordinary(1)))
    (detection_home / "detection" / item.stored_path).unlink()
    assert services.ingest(item.pk).state == "failed"
    item.refresh_from_db()
    assert item.status == UploadStatus.FAILED and "niet meer aanwezig" in item.error
    assert AuditEntry.objects.filter(
        object_type="detection.logupload", object_id=str(item.pk), action="update"
    ).exists()


# Privacy registers, and the e-mail -------------------------------------------------------------


def test_the_first_upload_adds_the_processing_activity_and_prescan_once(
    personas: Personas,
) -> None:
    board = personas.tree.board_a
    coordinator = Actor.for_user(personas["coordinator_a"])
    upload(board, jsonl(ordinary(1)), by=coordinator)
    activity = ProcessingActivity.objects.get(organisation=board)
    assert activity.name == services.ACTIVITY_NAME
    assert activity.legal_basis == "public_task" and activity.purposes
    assert set(activity.data_subject_categories) == {"staff", "temporary_staff", "pupils"}
    assert "account_usage" in activity.data_categories and "180" in activity.retention
    prescan = PreScan.objects.get(processing_activity=activity)
    assert prescan.required and "controle_werknemers" in prescan.ap_items
    assert "stelselmatige_monitoring" in prescan.criteria
    for object_type in ("registers.processingactivity", "dpia.prescan"):
        assert (
            AuditEntry.objects.get(object_type=object_type).actor_user_id
            == personas["coordinator_a"].pk
        )
    upload(board, jsonl(ordinary(2)), by=coordinator)
    assert ProcessingActivity.objects.filter(organisation=board).count() == 1
    assert PreScan.objects.count() == 1
    # Another board gets its own.
    upload(personas.tree.board_b, jsonl(ordinary(1)))
    assert ProcessingActivity.objects.count() == 2


def test_new_serious_alerts_mail_the_coordinators_without_names(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    board = personas.tree.board_a
    item = upload(board, jsonl(ordinary(1) + brute_force(at(1, 2), "dirk")))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ingest(item.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["coordinator_a@example.test"]
    assert "Stichting Alfa" in message.subject
    assert "Brute force op één account: 1" in message.body
    assert "dirk" not in message.body and "192.0.2.66" not in message.body
    # The same attack found again: no second mail.
    again = upload(board, jsonl(brute_force(at(1, 2), "dirk")))
    with django_capture_on_commit_callbacks(execute=True):
        services.ingest(again.pk)
    assert len(mail.outbox) == 1


def test_every_refusal_code_and_source_has_a_dutch_name() -> None:
    assert set(REFUSAL_CODES) <= set(REFUSAL_LABELS)
    assert set(sources()) <= set(SOURCE_LABELS)


def test_alerts_merge_within_their_rules_window_only() -> None:
    from schildwacht.detection.engine.alerts import Alert
    from schildwacht.detection.services.alerts import cluster

    def alert(rule_id: str, start: dt.datetime, window: int, key: str) -> Alert:
        return Alert(
            rule_id=rule_id,
            title=rule_id,
            severity="high",
            kind="sigma",
            entity="jan@school.nl",
            first_seen=start,
            last_seen=start + dt.timedelta(minutes=1),
            count=1,
            event_keys=(key,),
            window_seconds=window,
        )

    start = dt.datetime(2026, 3, 2, 8, 0)
    found = cluster(
        [
            # A ten-minute rule: two bursts twenty minutes apart are two attacks.
            alert("brute_force", start, 600, "a"),
            alert("brute_force", start + dt.timedelta(minutes=20), 600, "b"),
            # A day-long rule: sign-ins from a new country twenty hours apart are one.
            alert("new_country", start, 86400, "c"),
            alert("new_country", start + dt.timedelta(hours=20), 86400, "d"),
        ]
    )
    assert sorted((f.rule_id, tuple(f.keys)) for f in found) == [
        ("brute_force", ("a",)),
        ("brute_force", ("b",)),
        ("new_country", ("c", "d")),
    ]
