"""The lease on a board's event store (``IngestLock``): one writer at a time per board.

A writer takes the lease with one conditional UPDATE (free, or the previous lease ran out),
renews it while it works and gives it back in ``finally``. No transaction stays open while
DuckDB reads a file of a gigabyte, and the same statement behaves alike on SQLite and
PostgreSQL: whichever UPDATE commits first changes the row, the other changes none.

A worker that dies keeps the lease until it runs out; then the next writer takes it over. A
renewal that finds the lease taken over raises ``LeaseLost``, so the old writer stops instead
of writing beside the new one.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from types import TracebackType

from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Q
from django.utils import timezone

from schildwacht.detection.models import IngestLock
from schildwacht.organisations.models import Organisation

logger = logging.getLogger(__name__)

# Long enough that a healthy writer renews well before it runs out; short enough that a
# crashed worker blocks the board for minutes, not hours.
LEASE = dt.timedelta(minutes=10)
# The heartbeat renews at this interval while DuckDB works between the steps.
HEARTBEAT_SECONDS = LEASE.total_seconds() / 5


class LeaseLost(RuntimeError):
    """The lease ran out and another writer took it over."""


def take_lease(
    board: Organisation | int, *, now: dt.datetime | None = None, lease: dt.timedelta = LEASE
) -> str | None:
    """The token of a new lease on ``board``'s store, or None when someone holds it."""
    pk = board if isinstance(board, int) else board.pk
    now = now or timezone.now()
    IngestLock.objects.get_or_create(organisation_id=pk)
    token = uuid.uuid4().hex
    taken = (
        IngestLock.objects.filter(organisation_id=pk)
        .filter(Q(holder="") | Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .update(holder=token, leased_until=now + lease, taken_at=now)
    )
    return token if taken else None


def renew_lease(board_id: int, token: str, *, lease: dt.timedelta = LEASE) -> None:
    """Extend the lease; ``LeaseLost`` when ``token`` no longer holds it."""
    renewed = IngestLock.objects.filter(organisation_id=board_id, holder=token).update(
        leased_until=timezone.now() + lease
    )
    if not renewed:
        raise LeaseLost(f"lease of board {board_id} was taken over")


def release_lease(board_id: int, token: str) -> None:
    """Give the lease back (only if ``token`` still holds it)."""
    IngestLock.objects.filter(organisation_id=board_id, holder=token).update(
        holder="", leased_until=None
    )


def lease_is_free(board_id: int, now: dt.datetime | None = None) -> bool:
    """Whether nobody holds a running lease on the board's store."""
    now = now or timezone.now()
    return (
        not IngestLock.objects.filter(organisation_id=board_id, leased_until__gte=now)
        .exclude(holder="")
        .exists()
    )


class Lease:
    """A held lease, renewed by a heartbeat thread until the block ends, then released.

    ``check()`` between the steps renews it from the caller's own thread and raises
    ``LeaseLost`` when the heartbeat found it taken over.
    """

    def __init__(self, board_id: int, token: str, interval: float = HEARTBEAT_SECONDS) -> None:
        self.board_id = board_id
        self.token = token
        self.interval = interval
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"schildwacht-lease-{board_id}", daemon=True
        )

    def _beat(self) -> None:
        # A thread has its own database connection; it is closed when the thread ends.
        try:
            while not self._stop.wait(self.interval):
                try:
                    renew_lease(self.board_id, self.token)
                except LeaseLost:
                    self.lost = True
                    return
                except DatabaseError:
                    logger.exception("lease of board %s could not be renewed", self.board_id)
                finally:
                    close_old_connections()
        finally:
            connection.close()

    def check(self) -> None:
        if self.lost:
            raise LeaseLost(f"lease of board {self.board_id} was taken over")
        renew_lease(self.board_id, self.token)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        release_lease(self.board_id, self.token)
