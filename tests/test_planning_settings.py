"""The target date setting, and the daily reminder job's place in the scheduler."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from schildwacht.audit.services import Actor
from schildwacht.lib.env import env_date
from schildwacht.operations.scheduler import JOBS, run_due_jobs
from schildwacht.planning import services
from schildwacht.planning.tasks import send_measure_reminders
from tests.personas import Personas


def test_env_date(monkeypatch: pytest.MonkeyPatch) -> None:
    default = dt.date(2027, 12, 31)
    monkeypatch.delenv("SCHILDWACHT_TARGET_DATE", raising=False)
    assert env_date("SCHILDWACHT_TARGET_DATE", default) == default
    monkeypatch.setenv("SCHILDWACHT_TARGET_DATE", "2030-01-01")
    assert env_date("SCHILDWACHT_TARGET_DATE", default) == dt.date(2030, 1, 1)
    for bad in ["31-12-2027", "2027-13-01", "", "eind 2027"]:
        monkeypatch.setenv("SCHILDWACHT_TARGET_DATE", bad)
        with pytest.raises(ImproperlyConfigured, match="SCHILDWACHT_TARGET_DATE"):
            env_date("SCHILDWACHT_TARGET_DATE", default)


def test_default_target_date(settings: Any) -> None:
    assert isinstance(settings.TARGET_DATE, dt.date)


def test_reminder_job_is_daily_and_sends(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    job = next(job for job in JOBS if job.name == "measure_reminders")
    assert job.period == "daily" and job.task is send_measure_reminders
    services.create_measure(
        Actor.system("tests"),
        personas.tree.board_a,
        title="Te laat",
        owner=personas["coordinator_a"],
        due_date=timezone.localdate() - dt.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        started = run_due_jobs(jobs=[job])
    assert started == ["measure_reminders"]
    assert [m.to for m in mail.outbox] == [["coordinator_a@example.test"]]
    # Claimed for today: a second round starts nothing.
    assert run_due_jobs(jobs=[job]) == []
