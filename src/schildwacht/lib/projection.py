"""Projecting when a level is reached: a least-squares line through (date, level) points.

Pure arithmetic on dates and floats, without Django, so it can be tested with hand-made values.
Days are counted from the first point's date, which keeps the numbers small and the sums exact
enough for any realistic history of metingen.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

# Below this slope (levels per day; about 0.0004 a year) there is no progress worth projecting.
MIN_SLOPE = 1e-6


class Outcome(enum.StrEnum):
    REACHED = "reached"  # the latest point is at or above the level already
    PROJECTED = "projected"  # the line reaches the level on ``reached_on``
    TOO_FEW_POINTS = "too_few_points"  # fewer than two points on distinct dates
    NO_PROGRESS = "no_progress"  # the line is flat or falling, or too slow to name a date


@dataclass(frozen=True)
class Line:
    """``level = intercept + slope * days since origin``."""

    origin: dt.date
    slope: float
    intercept: float

    def at(self, day: dt.date) -> float:
        return self.intercept + self.slope * (day - self.origin).days


@dataclass(frozen=True)
class Projection:
    outcome: Outcome
    reached_on: dt.date | None = None
    line: Line | None = None

    @property
    def predictable(self) -> bool:
        return self.outcome in {Outcome.REACHED, Outcome.PROJECTED}


def fit_line(points: Sequence[tuple[dt.date, float]]) -> Line | None:
    """The least-squares line through ``points``; None with fewer than two distinct dates."""
    if len(points) < 2:
        return None
    origin = min(day for day, _level in points)
    xs = [float((day - origin).days) for day, _level in points]
    ys = [float(level) for _day, level in points]
    n = len(points)
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    return Line(origin, slope, mean_y - slope * mean_x)


def project(points: Sequence[tuple[dt.date, float]], level: float = 3.0) -> Projection:
    """When the trend through ``points`` reaches ``level``.

    The latest point at or above ``level`` counts as reached (on that date). Otherwise the
    least-squares line must rise; the date is the first whole day on which the line is at or
    above ``level``, never before the latest point.
    """
    ordered = sorted(points)
    if ordered and ordered[-1][1] >= level:
        return Projection(Outcome.REACHED, ordered[-1][0], fit_line(ordered))
    line = fit_line(ordered)
    if line is None:
        return Projection(Outcome.TOO_FEW_POINTS)
    if not line.slope > MIN_SLOPE:
        return Projection(Outcome.NO_PROGRESS, line=line)
    days = math.ceil((level - line.intercept) / line.slope)
    latest = ordered[-1][0]
    try:
        reached = line.origin + dt.timedelta(days=days)
    except OverflowError:
        return Projection(Outcome.NO_PROGRESS, line=line)
    return Projection(Outcome.PROJECTED, max(reached, latest), line)
