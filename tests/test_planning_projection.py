"""The projection of the plan: a least-squares line through (date, level), by hand and by
hypothesis."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from schildwacht.lib.projection import Outcome, fit_line, project

D0 = dt.date(2025, 1, 1)


def test_two_points_give_the_line_through_them() -> None:
    # 1.5 on day 0, 2.0 on day 100: +0.005 a day; 3.0 is reached on day 300.
    points = [(D0, 1.5), (D0 + dt.timedelta(days=100), 2.0)]
    line = fit_line(points)
    assert line is not None
    assert abs(line.slope - 0.005) < 1e-12 and abs(line.intercept - 1.5) < 1e-12
    projection = project(points)
    assert projection.outcome is Outcome.PROJECTED
    assert projection.reached_on == D0 + dt.timedelta(days=300)


def test_least_squares_through_three_points() -> None:
    # x = 0, 10, 20; y = 1, 3, 2: slope 0.05, intercept 1.5 (hand-computed).
    points = [(D0, 1.0), (D0 + dt.timedelta(days=10), 3.0), (D0 + dt.timedelta(days=20), 2.0)]
    line = fit_line(points)
    assert line is not None
    assert abs(line.slope - 0.05) < 1e-12 and abs(line.intercept - 1.5) < 1e-12
    # 1.5 + 0.05 x = 3 → x = 30.
    assert project(points).reached_on == D0 + dt.timedelta(days=30)


def test_a_part_day_rounds_up() -> None:
    points = [(D0, 1.0), (D0 + dt.timedelta(days=3), 2.0)]  # 1/3 a day: 3.0 at day 6
    assert project(points).reached_on == D0 + dt.timedelta(days=6)
    points = [(D0, 1.0), (D0 + dt.timedelta(days=7), 2.0)]  # 3.0 at day 14
    assert project(points, 2.5).reached_on == D0 + dt.timedelta(days=11)  # 10.5 → 11


def test_not_predictable_cases() -> None:
    assert project([]).outcome is Outcome.TOO_FEW_POINTS
    assert project([(D0, 2.0)]).outcome is Outcome.TOO_FEW_POINTS
    # Two metingen on one day: no slope to speak of.
    assert project([(D0, 1.0), (D0, 2.0)]).outcome is Outcome.TOO_FEW_POINTS
    flat = project([(D0, 2.0), (D0 + dt.timedelta(days=90), 2.0)])
    assert flat.outcome is Outcome.NO_PROGRESS and flat.reached_on is None
    falling = project([(D0, 2.0), (D0 + dt.timedelta(days=90), 1.8)])
    assert falling.outcome is Outcome.NO_PROGRESS and not falling.predictable


def test_already_at_the_level() -> None:
    projection = project([(D0, 2.0), (D0 + dt.timedelta(days=30), 3.2)])
    assert projection.outcome is Outcome.REACHED
    assert projection.reached_on == D0 + dt.timedelta(days=30)
    assert project([(D0, 3.0)]).outcome is Outcome.REACHED


def test_too_slow_to_name_a_date_is_no_progress() -> None:
    # A rise of 0.0001 in 8,000 years would land beyond the calendar.
    points = [(dt.date(1, 1, 1), 1.0), (dt.date(9000, 1, 1), 1.0001)]
    assert project(points).outcome is Outcome.NO_PROGRESS


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))
levels = st.floats(min_value=1.0, max_value=5.0, allow_nan=False)


@given(st.lists(st.tuples(dates, levels), max_size=12))
def test_projection_never_fails_and_is_consistent(points: list[tuple[dt.date, float]]) -> None:
    projection = project(points)
    if projection.outcome is Outcome.PROJECTED:
        assert projection.reached_on is not None and projection.line is not None
        assert projection.line.slope > 0
        # On the projected day the line is at the level (or it is the latest meting's day).
        latest = max(day for day, _level in points)
        assert projection.reached_on >= latest
        assert projection.line.at(projection.reached_on) >= 3.0 - 1e-9
        if projection.reached_on > latest:
            before = projection.reached_on - dt.timedelta(days=1)
            assert projection.line.at(before) < 3.0 + 1e-9
    elif projection.outcome is Outcome.REACHED:
        assert max(points)[1] >= 3.0


@given(
    start=st.floats(min_value=1.0, max_value=2.9),
    slope=st.floats(min_value=0.0005, max_value=0.05),
    gaps=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=6),
)
def test_points_on_a_rising_line_give_that_line(
    start: float, slope: float, gaps: list[int]
) -> None:
    days = [0]
    for gap in gaps:
        days.append(days[-1] + gap)
    points = [(D0 + dt.timedelta(days=d), start + slope * d) for d in days]
    if points[-1][1] >= 3.0:
        assert project(points).outcome is Outcome.REACHED
        return
    line = fit_line(points)
    assert line is not None and abs(line.slope - slope) < 1e-9
    projection = project(points)
    expected = (3.0 - start) / slope
    assert projection.reached_on is not None
    assert abs((projection.reached_on - D0).days - expected) <= 1.0001


@given(
    slow=st.floats(min_value=0.001, max_value=0.01),
    factor=st.floats(min_value=1.5, max_value=10),
)
def test_faster_progress_never_reaches_later(slow: float, factor: float) -> None:
    def reached(slope: float) -> dt.date | None:
        return project([(D0, 1.0), (D0 + dt.timedelta(days=100), 1.0 + slope * 100)]).reached_on

    slow_day, fast_day = reached(slow), reached(slow * factor)
    assert slow_day is not None and fast_day is not None and fast_day <= slow_day
