"""The 72-hour clock of AVG art. 33(1), and when the reminders are due. Pure: no database.

A board must notify the Autoriteit Persoonsgegevens of a personal-data breach without undue
delay and, where feasible, within 72 hours after it became aware of it. The 72 hours are real
hours: the arithmetic is done in UTC, so a change to or from summer time in between neither
adds nor removes an hour, and there is no business-day logic (a weekend counts in full). The
deadline is shown in Europe/Amsterdam with its weekday, so a deadline on a Sunday is visible as
one.

Reminders count from the moment the breach reached the board: when a processor reported it,
the time the processor informed the board; otherwise the time it was discovered.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

NOTIFY_WITHIN = dt.timedelta(hours=72)
DISPLAY_ZONE = ZoneInfo("Europe/Amsterdam")
# Hours after the breach reached the board at which a reminder goes out, while no decision on
# notifying is recorded.
REMINDER_HOURS = (24, 48)


class ClockState:
    RUNNING = "running"
    OVERDUE = "overdue"
    NOTIFIED_IN_TIME = "notified_in_time"
    NOTIFIED_LATE = "notified_late"
    STOPPED = "stopped"


def _utc(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(dt.UTC)


def deadline_for(aware_at: dt.datetime) -> dt.datetime:
    """The moment (UTC) 72 real hours after the board became aware."""
    return _utc(aware_at, "aware_at") + NOTIFY_WITHIN


def is_late(aware_at: dt.datetime, notified_at: dt.datetime) -> bool:
    """Whether a notification at ``notified_at`` came after the 72 hours."""
    return _utc(notified_at, "notified_at") > deadline_for(aware_at)


@dataclass(frozen=True)
class Clock:
    """The clock of one breach at ``now``: deadline, elapsed and remaining time, state.

    ``stopped_at`` is the first notification to the AP (the clock stops there) or, for a breach
    that needs no notification or was closed, the moment that was decided; None while running.
    """

    aware_at: dt.datetime
    deadline: dt.datetime
    now: dt.datetime
    notified_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None

    @property
    def end(self) -> dt.datetime:
        return self.notified_at or self.stopped_at or self.now

    @property
    def elapsed(self) -> dt.timedelta:
        return self.end - self.aware_at

    @property
    def remaining(self) -> dt.timedelta:
        """Time left until the deadline (negative once past it)."""
        return self.deadline - self.end

    @property
    def hours_elapsed(self) -> int:
        """Whole hours since awareness (the "hour 30" of a breach), never below 0."""
        return max(0, math.floor(self.elapsed.total_seconds() / 3600))

    @property
    def hours_left(self) -> int:
        """Whole hours left, rounded down (0 in the last hour and after the deadline)."""
        return max(0, math.floor(self.remaining.total_seconds() / 3600))

    @property
    def hours_overdue(self) -> int:
        """Whole hours past the deadline, rounded up (a minute late is an hour late), or 0."""
        late = -self.remaining.total_seconds()
        return max(0, math.ceil(late / 3600)) if late > 0 else 0

    @property
    def overdue(self) -> bool:
        return self.remaining < dt.timedelta(0)

    @property
    def local_deadline(self) -> dt.datetime:
        return self.deadline.astimezone(DISPLAY_ZONE)

    @property
    def local_aware_at(self) -> dt.datetime:
        return self.aware_at.astimezone(DISPLAY_ZONE)

    @property
    def state(self) -> str:
        if self.notified_at is not None:
            return ClockState.NOTIFIED_LATE if self.overdue else ClockState.NOTIFIED_IN_TIME
        if self.stopped_at is not None:
            return ClockState.STOPPED
        return ClockState.OVERDUE if self.overdue else ClockState.RUNNING

    @property
    def running(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.OVERDUE)


def clock_for(
    aware_at: dt.datetime,
    now: dt.datetime,
    *,
    notified_at: dt.datetime | None = None,
    stopped_at: dt.datetime | None = None,
) -> Clock:
    """The clock of a breach the board became aware of at ``aware_at``, as it stands at ``now``."""
    return Clock(
        aware_at=_utc(aware_at, "aware_at"),
        deadline=deadline_for(aware_at),
        now=_utc(now, "now"),
        notified_at=_utc(notified_at, "notified_at") if notified_at else None,
        stopped_at=_utc(stopped_at, "stopped_at") if stopped_at else None,
    )


def processor_late(
    discovered_at: dt.datetime | None, informed_at: dt.datetime | None, term_hours: int | None
) -> bool | None:
    """Whether the processor informed the board later than its agreed term (art. 33(2)).

    None when a time or the term is unknown.
    """
    if discovered_at is None or informed_at is None or term_hours is None:
        return None
    elapsed = _utc(informed_at, "informed_at") - _utc(discovered_at, "discovered_at")
    return elapsed > dt.timedelta(hours=term_hours)


def reminders_due(reached_at: dt.datetime, now: dt.datetime, sent: set[int]) -> list[int]:
    """Which reminders (24, 48) are due at ``now`` and not yet sent, oldest first.

    A breach first seen after 48 hours gets only the 48-hour reminder: two e-mails at once
    would say the same thing twice.
    """
    elapsed = _utc(now, "now") - _utc(reached_at, "reached_at")
    passed = [hours for hours in REMINDER_HOURS if elapsed >= dt.timedelta(hours=hours)]
    if not passed or passed[-1] in sent:
        return []
    return [passed[-1]]
