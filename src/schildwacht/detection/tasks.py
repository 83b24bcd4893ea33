"""Background tasks of the detection app: processing an upload (enqueued by ``upload_log``)
and the periodic upkeep started by the scheduler (``operations/scheduler.py``)."""

from __future__ import annotations

import logging

from django_tasks import task

from schildwacht.detection import services

logger = logging.getLogger(__name__)


@task()
def ingest_upload(upload_id: int) -> str:
    """Read, store and run the rules over one upload; returns "done", "failed", "waiting"
    (another writer holds the board's store: it stays queued) or "skipped"."""
    outcome = services.ingest(upload_id)
    logger.info("upload %s: %s", upload_id, outcome.state)
    return outcome.state


@task()
def restart_uploads() -> int:
    """Queue again the uploads left waiting or broken off by a worker that stopped."""
    restarted = services.restart_stalled()
    if restarted:
        logger.info("restarted uploads %s", restarted)
    return len(restarted)


@task()
def compact_logs() -> int:
    """Merge each day's small event files into one, per board (under the board's lease)."""
    result = services.compact_logs()
    return sum(result.done.values())


@task()
def purge_logs() -> int:
    """Delete stored events past each source's retention, per board (under the board's
    lease); returns how many day files were retired."""
    result = services.purge_logs()
    return sum(result.done.values())
