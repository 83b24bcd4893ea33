"""Geometry of the coverage chart: one horizontal bar per school or role on a 0–100% axis.

Pure arithmetic (the template ``people/_coverage_chart.html`` draws it as SVG), so the page needs
no script or inline style and the chart prints; the table beside it carries the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schildwacht.people.queries import CoverageRow

WIDTH = 640
LABEL_WIDTH = 210
VALUE_WIDTH = 48
BAR_HEIGHT = 18
GAP = 10
TOP = 8
AXIS_HEIGHT = 24
LABEL_MAX_CHARS = 30


@dataclass(frozen=True)
class CoverageBar:
    label: str
    short_label: str
    percent: int | None
    y: float
    width: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class CoverageChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_bottom: float
    bars: list[CoverageBar]
    ticks: list[tuple[float, str]]

    @property
    def label_x(self) -> int:
        return self.plot_left - 8

    @property
    def axis_text_y(self) -> float:
        return self.plot_bottom + 16


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX_CHARS else label[: LABEL_MAX_CHARS - 1] + "…"


def coverage_chart(rows: Sequence[CoverageRow]) -> CoverageChart:
    """Bars of the trained share of each row; a row without staff has no bar and shows "–"."""
    left, right = LABEL_WIDTH, WIDTH - VALUE_WIDTH
    span = right - left
    bars = []
    for index, row in enumerate(rows):
        percent = row.coverage.percent
        y = TOP + index * (BAR_HEIGHT + GAP)
        length = round(span * min(percent or 0, 100) / 100, 2)
        bars.append(
            CoverageBar(
                label=row.label,
                short_label=_short(row.label),
                percent=percent,
                y=y,
                width=length,
                text_x=round(left + length + 6, 2),
                text_y=round(y + BAR_HEIGHT * 0.75, 2),
            )
        )
    bottom = TOP + len(bars) * (BAR_HEIGHT + GAP) - (GAP if bars else 0) + 4
    ticks = [(round(left + span * step / 100, 2), f"{step}%") for step in range(0, 101, 25)]
    return CoverageChart(
        width=WIDTH,
        height=int(bottom + AXIS_HEIGHT),
        plot_left=left,
        plot_right=right,
        plot_bottom=bottom,
        bars=bars,
        ticks=ticks,
    )
