"""Chart geometry: pure arithmetic from values to SVG coordinates, no Django and no drawing.

The template tags in ``templatetags/charts.py`` turn these shapes into SVG markup. Keeping the
geometry here makes it testable with hand-made values: a level of 2.5 on a 0–5 scale must land
exactly halfway along the plot, and the target line at 3 exactly three fifths along.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LABEL_MAX_CHARS = 30


def one_decimal(value: float) -> Decimal:
    """``value`` rounded half up to one decimal, as people round (1.25 → 1.3, not 1.2)."""
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_level(value: float | None) -> str:
    """A level with one decimal and a Dutch decimal comma; "–" for no value."""
    if value is None:
        return "–"
    return str(one_decimal(value)).replace(".", ",")


def shorten(label: str, limit: int = LABEL_MAX_CHARS) -> str:
    """A label that fits the chart's label column; the data table beside it keeps it whole."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True)
class Tick:
    """A gridline of the value axis at ``position`` (x for bars, y for lines)."""

    position: float
    label: str


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its row band, its length and where its texts go."""

    label: str
    short_label: str
    value: float | None
    text: str
    y: float
    height: float
    x: float
    width: float
    text_x: float
    text_y: float
    at_target: bool


@dataclass(frozen=True)
class BarChart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    target_x: float | None
    bars: list[Bar]
    ticks: list[Tick]

    @property
    def label_x(self) -> float:
        """Where the right-aligned domain labels end."""
        return self.plot_left - 8

    @property
    def axis_text_y(self) -> float:
        return self.plot_bottom + 16


def _x_for(value: float, left: float, right: float, scale_max: float) -> float:
    return left + _clamp(value, 0, scale_max) / scale_max * (right - left)


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    scale_max: float = 5,
    target: float | None = 3,
    width: float = 640,
    label_width: float = 210,
    bar_height: float = 18,
    gap: float = 10,
    top: float = 8,
    axis_height: float = 24,
    value_width: float = 40,
) -> BarChart:
    """Horizontal bars on a 0–``scale_max`` axis, one row per item, with a target line."""
    if scale_max <= 0:
        raise ValueError("scale_max must be positive")
    left = label_width
    right = width - value_width
    bars = []
    for index, (label, value) in enumerate(items):
        y = top + index * (bar_height + gap)
        length = 0.0 if value is None else _x_for(value, left, right, scale_max) - left
        bars.append(
            Bar(
                label=label,
                short_label=shorten(label),
                value=value,
                text=format_level(value),
                y=y,
                height=bar_height,
                x=left,
                width=round(length, 2),
                text_x=round(left + length + 6, 2),
                text_y=round(y + bar_height * 0.75, 2),
                at_target=value is not None and target is not None and value >= target,
            )
        )
    bottom = top + len(bars) * (bar_height + gap) - (gap if bars else 0) + 4
    ticks = [
        Tick(round(_x_for(step, left, right, scale_max), 2), str(step))
        for step in range(int(scale_max) + 1)
    ]
    target_x = round(_x_for(target, left, right, scale_max), 2) if target is not None else None
    return BarChart(
        width=width,
        height=bottom + axis_height,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        target_x=target_x,
        bars=bars,
        ticks=ticks,
    )


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class LineChart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    target_y: float | None
    points: list[Point]
    path: str
    ticks: list[Tick]
    labels: list[Tick]

    @property
    def tick_text_x(self) -> float:
        return self.plot_left - 6

    @property
    def label_y(self) -> float:
        return self.height - 8


def line_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    scale_max: float = 5,
    target: float | None = 3,
    width: float = 400,
    height: float = 180,
    left: float = 44,
    right: float = 32,
    top: float = 12,
    bottom: float = 28,
) -> LineChart:
    """A line over the items in order (oldest first); items without a value break the line."""
    if scale_max <= 0:
        raise ValueError("scale_max must be positive")
    plot_left, plot_right = left, width - right
    plot_top, plot_bottom = top, height - bottom

    def y_for(value: float) -> float:
        return round(
            plot_bottom - _clamp(value, 0, scale_max) / scale_max * (plot_bottom - plot_top), 2
        )

    count = len(items)
    step = (plot_right - plot_left) / (count - 1) if count > 1 else 0.0

    def x_for(index: int) -> float:
        if count == 1:
            return round((plot_left + plot_right) / 2, 2)
        return round(plot_left + index * step, 2)

    points: list[Point] = []
    commands: list[str] = []
    pen_down = False
    for index, (label, value) in enumerate(items):
        if value is None:
            pen_down = False
            continue
        point = Point(label, value, format_level(value), x_for(index), y_for(value))
        points.append(point)
        commands.append(f"{'L' if pen_down else 'M'}{point.x:g} {point.y:g}")
        pen_down = True
    return LineChart(
        width=width,
        height=height,
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        target_y=y_for(target) if target is not None else None,
        points=points,
        path=" ".join(commands),
        ticks=[Tick(y_for(level), str(level)) for level in range(int(scale_max) + 1)],
        labels=[Tick(x_for(index), label) for index, (label, _value) in enumerate(items)],
    )
