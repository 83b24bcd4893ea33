"""Background tasks, run by ``schildwacht worker`` (django-tasks with the database backend).

The periodic ones are started by the scheduler (``operations/scheduler.py``); the others are
enqueued by services, e.g. ``send_notification.enqueue(...)``.
"""

from __future__ import annotations

import datetime as dt
import logging
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, erase_expired_payloads, record_event

logger = logging.getLogger(__name__)


@task()
def clear_expired_sessions() -> None:
    """Delete sessions that have expired (Django's ``clearsessions``)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@task()
def purge_login_attempts() -> int:
    """Delete django-axes records of sign-in attempts older than the retention period.

    They hold e-mail addresses and IP addresses: personal data with a short purpose. The audit
    trail records how many were deleted, in the same transaction as the deletion.
    """
    cutoff = timezone.now() - dt.timedelta(days=settings.LOGIN_ATTEMPT_RETENTION_DAYS)
    with transaction.atomic():
        deleted = 0
        deleted += AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()[0]
        deleted += AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
        deleted += AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
        _record_deletion(AccessAttempt._meta.label_lower, deleted, cutoff)
    logger.info("purged %d sign-in attempt records", deleted)
    return deleted


def _record_deletion(object_type: str, deleted: int, cutoff: dt.datetime) -> None:
    """One audit entry for a retention job that deleted rows; nothing when it deleted none."""
    if deleted:
        record_event(
            Actor.system("retentie"),
            AuditAction.DELETE,
            object_type=object_type,
            object_repr=str(deleted),
            details={"deleted": deleted, "older_than": cutoff},
        )


@task()
def erase_audit_payloads() -> int:
    """Erase audit before/after values older than AUDIT_PAYLOAD_RETENTION_DAYS (chain stays)."""
    cutoff = timezone.now() - dt.timedelta(days=settings.AUDIT_PAYLOAD_RETENTION_DAYS)
    return erase_expired_payloads(Actor.system("retentie"), cutoff)


@task()
def prune_task_results() -> int:
    """Delete results of finished background tasks older than TASK_RESULT_RETENTION_DAYS."""
    cutoff = timezone.now() - dt.timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    with transaction.atomic():
        finished = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
        deleted, _per_model = finished.delete()
        _record_deletion(DBTaskResult._meta.label_lower, deleted, cutoff)
    return deleted


@task()
def send_notification(to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail to the addresses in ``to``; returns the number sent."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, list(to))
