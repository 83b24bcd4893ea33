"""Background work: periodic-job scheduler, the tasks, the worker command, concurrent SQLite."""

from __future__ import annotations

import datetime as dt
import io
import signal
import threading
from collections.abc import Iterator

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, connections
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from schildwacht.accounts.services import create_user
from schildwacht.audit.models import AuditEntry, AuditPayload
from schildwacht.audit.services import record_event, verify_chain
from schildwacht.operations import tasks
from schildwacht.operations.models import ScheduledJobRun
from schildwacht.operations.scheduler import (
    JOBS,
    Period,
    PeriodicJob,
    claim_job,
    is_due,
    period_key,
    run_due_jobs,
)
from tests.personas import TEST_ACTOR, Tree

AMS = dt.timezone(dt.timedelta(hours=2))  # Europe/Amsterdam in summer
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMS)  # type: ignore[misc]


def test_period_keys_use_local_time() -> None:
    # 23:30 UTC on 31 May is already 1 June in Amsterdam.
    late = dt.datetime(2025, 5, 31, 23, 30, tzinfo=dt.UTC)
    assert period_key(Period.DAILY, late) == "2025-06-01"
    assert period_key(Period.WEEKLY, _at(2025, 6, 1, 12)) == "2025-W22"  # a Sunday
    assert period_key(Period.WEEKLY, _at(2025, 6, 2, 0, 5)) == "2025-W23"  # Monday


def test_hours_are_named_in_utc_so_the_repeated_autumn_hour_runs_too() -> None:
    # 26 October 2025: 02:30 Amsterdam happens twice (00:30 and 01:30 UTC).
    first = dt.datetime(2025, 10, 26, 0, 30, tzinfo=dt.UTC)
    second = dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.UTC)
    assert period_key(Period.HOURLY, first) == "2025-10-26T00Z"
    assert period_key(Period.HOURLY, second) == "2025-10-26T01Z"
    job = PeriodicJob("z", Period.HOURLY, tasks.clear_expired_sessions)
    assert is_due(job, period_key(Period.HOURLY, first), second)
    assert not is_due(job, period_key(Period.HOURLY, first), first + dt.timedelta(minutes=20))


def test_is_due() -> None:
    daily = PeriodicJob("x", Period.DAILY, tasks.clear_expired_sessions)
    weekly = PeriodicJob("y", Period.WEEKLY, tasks.prune_task_results)
    assert is_due(daily, None, _at(2025, 6, 1, 3))
    assert not is_due(daily, "2025-06-01", _at(2025, 6, 1, 23, 59))
    assert is_due(daily, "2025-06-01", _at(2025, 6, 2, 0, 1))
    assert not is_due(weekly, "2025-W23", _at(2025, 6, 8, 23))
    assert is_due(weekly, "2025-W23", _at(2025, 6, 9, 1))


@pytest.mark.django_db
def test_claim_has_a_single_winner_per_period() -> None:
    job = JOBS[0]
    now = _at(2025, 6, 1, 3)
    assert claim_job(job, now)
    # Another worker, or this one after a restart, in the same period.
    assert not claim_job(job, now + dt.timedelta(hours=5))
    assert not claim_job(job, now)
    assert claim_job(job, _at(2025, 6, 2, 0, 1))
    row = ScheduledJobRun.objects.get(name=job.name)
    assert row.period_key == "2025-06-02"


@pytest.mark.django_db(transaction=True)
def test_claim_single_winner_across_threads() -> None:
    job = JOBS[1]
    now = timezone.now()
    wins: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def contend() -> None:
        try:
            barrier.wait()
            wins.append(claim_job(job, now))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(wins) == [False, False, False, True]


@pytest.mark.django_db
def test_run_due_jobs_runs_each_job_once_per_period(tree: Tree) -> None:
    now = timezone.now()
    started = run_due_jobs(now)
    assert started == [job.name for job in JOBS]
    # A restart in the same period starts nothing.
    assert run_due_jobs(now + dt.timedelta(minutes=1)) == []
    assert ScheduledJobRun.objects.count() == len(JOBS)
    # Next day: the daily ones again; the weekly one only if a new week began.
    tomorrow = now + dt.timedelta(days=1)
    again = run_due_jobs(tomorrow)
    assert {"clearsessions", "purge_login_attempts", "erase_audit_payloads"} <= set(again)


@pytest.mark.django_db
def test_erase_audit_payloads_task_respects_retention(tree: Tree) -> None:
    before = AuditPayload.objects.filter(erased_at__isnull=True).count()
    assert before > 0
    with override_settings(AUDIT_PAYLOAD_RETENTION_DAYS=365):
        assert tasks.erase_audit_payloads.call() == 0
    assert not AuditPayload.objects.filter(erased_at__isnull=False).exists()
    with override_settings(AUDIT_PAYLOAD_RETENTION_DAYS=0):
        assert tasks.erase_audit_payloads.call() == before
    assert AuditPayload.objects.filter(erased_at__isnull=False).count() == before
    newest = AuditEntry.objects.order_by("-id").first()
    assert newest is not None and newest.actor_label == "systeem: retentie"
    assert verify_chain().intact


@pytest.mark.django_db
def test_purge_login_attempts() -> None:
    old = timezone.now() - dt.timedelta(days=40)
    for n, when in enumerate((old, timezone.now())):
        attempt = AccessAttempt.objects.create(
            username=f"{n}@example.test",
            ip_address="192.0.2.1",
            user_agent="t",
            failures_since_start=1,
        )
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=when)
        log = AccessLog.objects.create(
            username="a@example.test", ip_address="192.0.2.1", user_agent="t"
        )
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=when)
    with override_settings(LOGIN_ATTEMPT_RETENTION_DAYS=30):
        assert tasks.purge_login_attempts.call() == 2
    assert AccessAttempt.objects.count() == 1
    assert AccessLog.objects.count() == 1
    # The deletion is in the audit trail: one entry, with how many and the cut-off.
    entry = AuditEntry.objects.select_related("payload").get()
    assert entry.actor_label == "systeem: retentie"
    assert (entry.action, entry.object_type) == ("delete", "axes.accessattempt")
    changes = entry.payload.changes
    assert changes["deleted"] == [None, 2]
    cutoff = dt.datetime.fromisoformat(changes["older_than"][1])
    assert abs(cutoff - (timezone.now() - dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    # Nothing deleted, nothing recorded.
    with override_settings(LOGIN_ATTEMPT_RETENTION_DAYS=30):
        assert tasks.purge_login_attempts.call() == 0
    assert AuditEntry.objects.count() == 1
    assert verify_chain().intact


@pytest.mark.django_db
def test_prune_task_results_is_audited() -> None:
    with override_settings(TASKS=DB_TASKS):
        for _ in range(3):
            tasks.send_notification.enqueue(["fg@example.test"], "Onderwerp", "Tekst")
    old = timezone.now() - dt.timedelta(days=60)
    ids = list(DBTaskResult.objects.values_list("id", flat=True))
    DBTaskResult.objects.filter(id__in=ids[:2]).update(status="SUCCESSFUL", finished_at=old)
    DBTaskResult.objects.filter(id=ids[2]).update(status="SUCCESSFUL", finished_at=timezone.now())
    with override_settings(TASK_RESULT_RETENTION_DAYS=30):
        assert tasks.prune_task_results.call() == 2
    assert list(DBTaskResult.objects.values_list("id", flat=True)) == [ids[2]]
    entry = AuditEntry.objects.select_related("payload").get()
    assert entry.actor_label == "systeem: retentie"
    assert entry.action == "delete"
    assert entry.object_type == DBTaskResult._meta.label_lower
    assert entry.payload.changes["deleted"] == [None, 2]
    assert "older_than" in entry.payload.changes
    with override_settings(TASK_RESULT_RETENTION_DAYS=30):
        assert tasks.prune_task_results.call() == 0
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_send_notification_task() -> None:
    result = tasks.send_notification.enqueue(["fg@example.test"], "Datalek gemeld", "Zie app.")
    assert result.return_value == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["fg@example.test"]
    assert mail.outbox[0].subject == "Datalek gemeld"


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


# The worker closes stale connections between polls, so no test transaction may wrap it.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("keep_signal_handlers")
def test_worker_command_runs_queue_and_schedule_once(tree: Tree) -> None:
    with override_settings(TASKS=DB_TASKS):
        tasks.send_notification.enqueue(["ibp@example.test"], "Herinnering", "Meting openstaand")
        assert DBTaskResult.objects.count() == 1
        out = io.StringIO()
        call_command("worker", "--batch", "--no-startup-delay", "--interval", "0", stdout=out)
        results = list(DBTaskResult.objects.values_list("status", flat=True))
        assert len(results) == 1 + len(JOBS)
        assert set(results) == {"SUCCESSFUL"}
        assert len(mail.outbox) == 1
        assert ScheduledJobRun.objects.count() == len(JOBS)
        # A second bounded run in the same period starts no periodic job again.
        call_command("worker", "--batch", "--no-startup-delay", "--interval", "0", stdout=out)
        assert DBTaskResult.objects.count() == 1 + len(JOBS)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_hit_database_is_locked() -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def write(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(15):
                record_event(
                    TEST_ACTOR, "update", object_type="tests.write", object_id=f"{worker}-{i}"
                )
                create_user(TEST_ACTOR, email=f"w{worker}-{i}@example.test", password=None)
        except OperationalError as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEntry.objects.filter(object_type="tests.write").count() == 45
    report = verify_chain()
    assert report.intact, report
