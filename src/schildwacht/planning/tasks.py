"""Background tasks of the plan, started by the scheduler (``operations/scheduler.py``)."""

from __future__ import annotations

import logging

from django_tasks import task

from schildwacht.audit.services import Actor
from schildwacht.planning.services import send_overdue_reminders

logger = logging.getLogger(__name__)


@task()
def send_measure_reminders() -> int:
    """Daily: e-mail each owner a digest of their overdue measures; returns the e-mails sent."""
    digests = send_overdue_reminders(Actor.system("herinneringen maatregelen"))
    logger.info("queued %d overdue-measure reminders", len(digests))
    return len(digests)
