"""A small scheduler for periodic jobs, run inside ``schildwacht worker``.

Each job has a period (daily or weekly, in local time). When a new period has begun, the
scheduler claims the job for that period with one conditional UPDATE on ``ScheduledJobRun``
and, in the same transaction, enqueues the job's task. Only the caller whose UPDATE changed the
row enqueues, so restarts and several workers never start a job twice in one period.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, close_old_connections, transaction
from django.utils import timezone

from schildwacht.detection import tasks as detection_tasks
from schildwacht.incidents import tasks as incident_tasks
from schildwacht.operations import tasks
from schildwacht.operations.models import ScheduledJobRun
from schildwacht.planning import tasks as planning_tasks
from schildwacht.suppliers import tasks as supplier_tasks

logger = logging.getLogger(__name__)


class Period(enum.StrEnum):
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class PeriodicJob:
    """A task that is started once per period."""

    name: str
    period: Period
    task: Any  # a django_tasks Task


JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("clearsessions", Period.DAILY, tasks.clear_expired_sessions),
    PeriodicJob("purge_login_attempts", Period.DAILY, tasks.purge_login_attempts),
    PeriodicJob("erase_audit_payloads", Period.DAILY, tasks.erase_audit_payloads),
    PeriodicJob("prune_task_results", Period.WEEKLY, tasks.prune_task_results),
    PeriodicJob("measure_reminders", Period.DAILY, planning_tasks.send_measure_reminders),
    PeriodicJob("agreement_expiry", Period.DAILY, supplier_tasks.agreement_expiry),
    # Hourly: the 24- and 48-hour reminders of the 72-hour clock must not wait a day.
    PeriodicJob("breach_reminders", Period.HOURLY, incident_tasks.breach_reminders),
    # Log analysis: upkeep of every board's event store, and uploads a stopped worker left.
    PeriodicJob("compact_logs", Period.DAILY, detection_tasks.compact_logs),
    PeriodicJob("purge_logs", Period.DAILY, detection_tasks.purge_logs),
    PeriodicJob("restart_uploads", Period.HOURLY, detection_tasks.restart_uploads),
)


def period_key(period: Period, moment: dt.datetime) -> str:
    """The name of the period ``moment`` falls in, in local time (Europe/Amsterdam).

    Hours are named in UTC: the autumn clock change repeats a local hour, which would
    otherwise look like a period already run.
    """
    if period is Period.HOURLY:
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%HZ")
    local = timezone.localtime(moment)
    if period is Period.DAILY:
        return local.date().isoformat()
    year, week, _day = local.isocalendar()
    return f"{year}-W{week:02d}"


def is_due(job: PeriodicJob, last_period_key: str | None, now: dt.datetime) -> bool:
    """True when ``job`` has not yet been started in the period ``now`` falls in."""
    return last_period_key != period_key(job.period, now)


def claim_job(job: PeriodicJob, now: dt.datetime) -> bool:
    """Record that ``job`` runs in the current period; True for exactly one caller per period.

    The UPDATE's WHERE clause excludes the current period, so a second caller (another worker,
    or this one after a restart) changes no row and gets False. On PostgreSQL the second
    UPDATE waits for the first's row lock and then re-checks the condition.
    """
    key = period_key(job.period, now)
    ScheduledJobRun.objects.get_or_create(name=job.name)
    updated = (
        ScheduledJobRun.objects.filter(name=job.name)
        .exclude(period_key=key)
        .update(period_key=key, last_run_at=now)
    )
    return updated == 1


def run_due_jobs(now: dt.datetime | None = None, jobs: Iterable[PeriodicJob] = JOBS) -> list[str]:
    """Enqueue every job that is due and that this caller wins; returns their names."""
    now = now or timezone.now()
    jobs = list(jobs)
    # Reading first keeps the common case (nothing due) free of writes, which matters on SQLite.
    last = dict(
        ScheduledJobRun.objects.filter(name__in=[job.name for job in jobs]).values_list(
            "name", "period_key"
        )
    )
    started: list[str] = []
    for job in jobs:
        if not is_due(job, last.get(job.name), now):
            continue
        with transaction.atomic():
            if claim_job(job, now):
                job.task.enqueue()
                started.append(job.name)
    for name in started:
        logger.info("periodic job %s enqueued", name)
    return started


class SchedulerThread(threading.Thread):
    """Checks for due jobs every ``interval`` seconds, beside the worker's task loop."""

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__(name="schildwacht-scheduler", daemon=True)
        self.interval = interval
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()

    def run(self) -> None:
        while not self._stopped.is_set():
            try:
                run_due_jobs()
            except DatabaseError:
                # A database hiccup must not end the scheduler; the next round tries again.
                logger.exception("periodic jobs could not be checked")
            finally:
                close_old_connections()
            self._stopped.wait(self.interval)
