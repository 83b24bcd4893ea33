"""Background tasks of the incidents app, started by the scheduler (``operations/scheduler.py``)."""

from __future__ import annotations

import logging

from django_tasks import task

from schildwacht.audit.services import Actor
from schildwacht.incidents.services import send_breach_reminders

logger = logging.getLogger(__name__)


@task()
def breach_reminders() -> int:
    """E-mail a reminder for every open breach waiting 24 or 48 hours for a decision on
    notifying (each reminder once); returns how many reminders went out.

    Safe to run as often as the scheduler likes: a reminder is stamped when sent.
    """
    reminders = send_breach_reminders(Actor.system("herinneringen datalekken"))
    logger.info("queued %d breach reminders", len(reminders))
    return len(reminders)
