"""The 72-hour clock (AVG art. 33(1)): 72 real hours across the changes to and from summer time
(last Sunday of March and of October) and across weekends, with hand-made expected values."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from schildwacht.incidents.clock import (
    ClockState,
    clock_for,
    deadline_for,
    is_late,
    processor_late,
    reminders_due,
)

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC


def ams(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=AMS)


def test_deadline_is_72_hours_later_on_an_ordinary_weekday() -> None:
    # Tuesday 10 November 2026, 14:30 CET → Friday 13 November, 14:30 CET.
    assert deadline_for(ams(2026, 11, 10, 14, 30)) == ams(2026, 11, 13, 14, 30)
    assert deadline_for(ams(2026, 11, 10, 14, 30)).tzinfo == UTC


def test_spring_forward_skips_a_local_hour() -> None:
    # Summer time starts Sunday 29 March 2026 at 02:00 CET (clocks go to 03:00 CEST).
    # Friday 27 March 10:00 CET is 09:00 UTC; 72 hours later is Monday 30 March 09:00 UTC,
    # which is 11:00 in Amsterdam, not 10:00.
    clock = clock_for(ams(2026, 3, 27, 10, 0), ams(2026, 3, 27, 10, 0))
    assert clock.deadline == dt.datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    local = clock.local_deadline
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2026, 3, 30, 11, 0)
    assert local.utcoffset() == dt.timedelta(hours=2)


def test_fall_back_repeats_a_local_hour() -> None:
    # Winter time starts Sunday 25 October 2026 at 03:00 CEST (clocks go back to 02:00 CET).
    # Friday 23 October 10:00 CEST is 08:00 UTC; 72 hours later is Monday 26 October 08:00
    # UTC, which is 09:00 in Amsterdam, not 10:00.
    clock = clock_for(ams(2026, 10, 23, 10, 0), ams(2026, 10, 23, 10, 0))
    assert clock.deadline == dt.datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    local = clock.local_deadline
    assert (local.day, local.hour, local.minute) == (26, 9, 0)
    assert local.utcoffset() == dt.timedelta(hours=1)


def test_hours_elapsed_and_left_count_real_hours_over_the_spring_change() -> None:
    # Saturday 28 March 12:00 CET (11:00 UTC) to Sunday 29 March 12:00 CEST (10:00 UTC): the
    # wall clock says 24 hours, but only 23 passed.
    clock = clock_for(ams(2026, 3, 28, 12, 0), ams(2026, 3, 29, 12, 0))
    assert clock.hours_elapsed == 23
    assert clock.hours_left == 49
    assert clock.state == ClockState.RUNNING


def test_hours_over_the_autumn_change() -> None:
    # Saturday 24 October 12:00 CEST (10:00 UTC) to Sunday 25 October 12:00 CET (11:00 UTC):
    # 25 real hours.
    clock = clock_for(ams(2026, 10, 24, 12, 0), ams(2026, 10, 25, 12, 0))
    assert clock.hours_elapsed == 25
    assert clock.hours_left == 47


def test_an_ambiguous_local_time_is_taken_as_given() -> None:
    # 02:30 on 25 October 2026 happens twice; fold=1 is the second time (CET, 01:30 UTC).
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=AMS)
    second = dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMS)
    assert deadline_for(second) - deadline_for(first) == dt.timedelta(hours=1)
    assert deadline_for(second) == dt.datetime(2026, 10, 28, 1, 30, tzinfo=UTC)


def test_weekends_count_in_full() -> None:
    # Friday 6 November 2026 16:00 → Monday 9 November 16:00: no business days.
    clock = clock_for(ams(2026, 11, 6, 16, 0), ams(2026, 11, 7, 16, 0))
    assert clock.local_deadline == ams(2026, 11, 9, 16, 0)
    assert clock.local_deadline.weekday() == 0  # Monday
    assert clock.hours_left == 48
    # Thursday 12 November 09:00 → Sunday 15 November 09:00: the deadline falls in a weekend.
    sunday = clock_for(ams(2026, 11, 12, 9, 0), ams(2026, 11, 12, 9, 0)).local_deadline
    assert sunday == ams(2026, 11, 15, 9, 0) and sunday.weekday() == 6


def test_overdue_by_a_minute_is_an_hour_overdue() -> None:
    aware = ams(2026, 11, 10, 9, 0)
    on_time = clock_for(aware, ams(2026, 11, 13, 9, 0))
    assert (on_time.overdue, on_time.hours_left, on_time.state) == (False, 0, ClockState.RUNNING)
    late = clock_for(aware, ams(2026, 11, 13, 9, 1))
    assert (late.overdue, late.hours_left, late.hours_overdue) == (True, 0, 1)
    assert late.state == ClockState.OVERDUE
    later = clock_for(aware, ams(2026, 11, 14, 10, 0))
    assert later.hours_overdue == 25


def test_hour_thirty_leaves_forty_two() -> None:
    aware = ams(2026, 11, 10, 9, 0)
    clock = clock_for(aware, aware + dt.timedelta(hours=30, minutes=20))
    assert (clock.hours_elapsed, clock.hours_left) == (30, 41)
    exact = clock_for(aware, aware + dt.timedelta(hours=30))
    assert (exact.hours_elapsed, exact.hours_left) == (30, 42)


def test_a_notification_stops_the_clock() -> None:
    aware = ams(2026, 11, 10, 9, 0)
    in_time = clock_for(aware, ams(2026, 11, 20, 9, 0), notified_at=ams(2026, 11, 12, 9, 0))
    assert in_time.state == ClockState.NOTIFIED_IN_TIME and not in_time.running
    assert in_time.hours_left == 24  # measured at the notification, not now
    late = clock_for(aware, ams(2026, 11, 20, 9, 0), notified_at=ams(2026, 11, 13, 12, 0))
    assert late.state == ClockState.NOTIFIED_LATE and late.hours_overdue == 3
    stopped = clock_for(aware, ams(2026, 11, 20, 9, 0), stopped_at=ams(2026, 11, 11, 9, 0))
    assert stopped.state == ClockState.STOPPED and not stopped.running


def test_is_late_across_summer_time() -> None:
    aware = ams(2026, 3, 27, 10, 0)
    # Monday 30 March 10:30 CEST is 08:30 UTC: still within the 72 hours (deadline 09:00 UTC),
    # although the local wall-clock time is past 10:00.
    assert not is_late(aware, ams(2026, 3, 30, 10, 30))
    assert not is_late(aware, ams(2026, 3, 30, 11, 0))
    assert is_late(aware, ams(2026, 3, 30, 11, 1))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware_at"):
        deadline_for(dt.datetime(2026, 3, 27, 10, 0))
    with pytest.raises(ValueError, match="now"):
        clock_for(ams(2026, 3, 27, 10, 0), dt.datetime(2026, 3, 27, 11, 0))


def test_processor_term() -> None:
    discovered = ams(2026, 11, 10, 9, 0)
    assert processor_late(discovered, ams(2026, 11, 11, 9, 0), 24) is False
    assert processor_late(discovered, ams(2026, 11, 11, 9, 1), 24) is True
    assert processor_late(discovered, None, 24) is None
    assert processor_late(discovered, ams(2026, 11, 11, 9, 0), None) is None


@pytest.mark.parametrize(
    ("hours", "sent", "expected"),
    [
        (23.9, set(), []),
        (24, set(), [24]),
        (30, {24}, []),
        (47.9, {24}, []),
        (48, {24}, [48]),
        (50, set(), [48]),  # first seen after 48 hours: one reminder, not two
        (50, {48}, []),
        (100, {24, 48}, []),
    ],
)
def test_reminders_due(hours: float, sent: set[int], expected: list[int]) -> None:
    # Across the spring change: hours are counted in UTC (adding to an Amsterdam time would add
    # wall-clock hours, and 24 of those on 28-29 March are only 23 real hours).
    reached = ams(2026, 3, 28, 12, 0)
    now = reached.astimezone(UTC) + dt.timedelta(hours=hours)
    assert reminders_due(reached, now, sent) == expected
    assert reminders_due(reached, reached + dt.timedelta(hours=24), set()) == []  # 23 real hours
