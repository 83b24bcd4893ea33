"""Daily upkeep of every board's event store, each under the board's lease: merging the small
files of a day into one (compaction) and deleting the days past each source's retention
(purge). A board whose store is busy is left for the next day's run. What the purge deletes
is recorded in the audit trail (how many files per board, never the events themselves).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, record_event
from schildwacht.detection.engine.ingest import connect
from schildwacht.detection.models import DetectionAlert, LogUpload, UploadStatus
from schildwacht.detection.services.common import (
    detection_root,
    event_store,
    retention_default,
    retention_of,
    work_folder,
)
from schildwacht.detection.services.ingest import start_next
from schildwacht.detection.services.lock import Lease, take_lease
from schildwacht.organisations.models import Organisation, OrganisationKind

logger = logging.getLogger(__name__)

WORKER = Actor.system("loganalyse")
# Stored upload files no upload still waits for are removed after this long (a crash between
# storing the file and recording the upload leaves one behind).
ORPHAN_AGE = dt.timedelta(days=1)


@dataclass
class Upkeep:
    """What a maintenance run did, per board id; boards skipped because their store was busy."""

    done: dict[int, int] = field(default_factory=dict)
    busy: list[int] = field(default_factory=list)


def boards_with_logs() -> list[Organisation]:
    """Boards that have an event store (or once uploaded)."""
    root = detection_root() / "events"
    ids = (
        {int(path.name) for path in root.iterdir() if path.name.isdigit()}
        if root.exists()
        else set()
    )
    ids |= set(LogUpload.objects.values_list("organisation_id", flat=True).distinct())
    return list(Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.BOARD).order_by("pk"))


def compact_board(board: Organisation) -> int | None:
    """Merge each day's files of ``board``; None when the store is busy."""
    token = take_lease(board.pk)
    if token is None:
        return None
    with Lease(board.pk, token):
        work = Path(tempfile.mkdtemp(prefix="compact-", dir=work_folder()))
        try:
            con = connect(
                memory_limit=settings.DETECTION_MEMORY_LIMIT,
                threads=settings.DETECTION_THREADS,
                temp_directory=str(work),
            )
            try:
                merged = event_store(board).compact(con)
            finally:
                con.close()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    start_next(board.pk)
    if merged:
        record_event(
            WORKER,
            AuditAction.UPDATE,
            object_type="detection.eventstore",
            object_id=str(board.pk),
            object_repr=str(board)[:200],
            organisation_id=board.pk,
            details={"compacted_files": merged},
        )
    return merged


def compact_logs() -> Upkeep:
    result = Upkeep()
    for board in boards_with_logs():
        merged = compact_board(board)
        if merged is None:
            result.busy.append(board.pk)
        else:
            result.done[board.pk] = merged
    return result


def purge_board(board: Organisation, today: dt.date | None = None) -> int | None:
    """Retire the days past each source's retention, delete retired files no query still
    reads, and clear the sample events of alerts older than the longest retention; None when
    the store is busy."""
    today = today or timezone.localdate()
    retention = retention_of(board)
    default = retention_default()
    token = take_lease(board.pk)
    if token is None:
        return None
    with Lease(board.pk, token):
        retired = event_store(board).purge(retention, default, today)
    start_next(board.pk)
    longest = max([default, *retention.values()])
    cutoff = dt.datetime.combine(today - dt.timedelta(days=longest), dt.time(), tzinfo=dt.UTC)
    with transaction.atomic():
        cleared = (
            DetectionAlert.objects.filter(organisation=board, last_seen__lt=cutoff)
            .exclude(sample=[])
            .update(sample=[])
        )
    removed = _remove_orphans(board)
    if retired or cleared or removed:
        record_event(
            WORKER,
            AuditAction.DELETE,
            object_type="detection.eventstore",
            object_id=str(board.pk),
            object_repr=str(board)[:200],
            organisation_id=board.pk,
            details={
                "retired_files": retired,
                "cleared_alert_samples": cleared,
                "removed_upload_files": removed,
                "retention_days": retention,
                "default_days": default,
                "today": today,
            },
        )
    return retired


def _remove_orphans(board: Organisation) -> int:
    """Stored upload files that no queued or running upload needs and that are a day old."""
    folder = detection_root() / "uploads" / str(board.pk)
    if not folder.exists():
        return 0
    needed = set(
        LogUpload.objects.filter(
            organisation=board, status__in=(UploadStatus.QUEUED, UploadStatus.RUNNING)
        ).values_list("stored_path", flat=True)
    )
    limit = timezone.now().timestamp() - ORPHAN_AGE.total_seconds()
    removed = 0
    for path in folder.iterdir():
        relative = str(path.relative_to(detection_root()))
        if path.is_file() and relative not in needed and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def purge_logs(today: dt.date | None = None) -> Upkeep:
    result = Upkeep()
    for board in boards_with_logs():
        retired = purge_board(board, today)
        if retired is None:
            result.busy.append(board.pk)
        else:
            result.done[board.pk] = retired
    return result
