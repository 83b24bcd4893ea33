"""Background tasks of the suppliers app, started by the scheduler (``operations/scheduler.py``)."""

from __future__ import annotations

import logging

from django_tasks import task

from schildwacht.audit.services import Actor
from schildwacht.suppliers.services import expire_agreements, send_expiry_reminders

logger = logging.getLogger(__name__)


@task()
def agreement_expiry() -> int:
    """Daily: mark signed agreements past their expiry date as expired, then e-mail the
    reminders for those expiring within 60 days; returns the e-mails sent."""
    actor = Actor.system("verwerkersovereenkomsten")
    expired = expire_agreements(actor)
    digests = send_expiry_reminders(actor)
    logger.info("%d agreements expired, %d expiry reminders queued", len(expired), len(digests))
    return len(digests)
