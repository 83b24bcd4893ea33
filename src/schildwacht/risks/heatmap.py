"""Heat map geometry: from counts per cell to SVG coordinates, no Django and no drawing.

The grid has impact along the x axis (1 left, 5 right) and likelihood along the y axis (5 at
the top, 1 at the bottom), as risk matrices are usually drawn. Each cell is filled with the
colour of its score band (likelihood × impact) and shows how many risks it holds. The template
tag in ``templatetags/risk_charts.py`` draws it; the page puts a data table beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schildwacht.reports.charts import shorten
from schildwacht.risks.reference import Band, Matrix

CELL_WIDTH = 112
CELL_HEIGHT = 48
LABEL_WIDTH = 170
TOP = 10
RIGHT = 10
AXIS_HEIGHT = 56


@dataclass(frozen=True)
class Cell:
    likelihood: int
    impact: int
    count: int
    band: Band
    x: float
    y: float
    width: float
    height: float

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def text_x(self) -> float:
        return self.x + self.width / 2

    @property
    def text_y(self) -> float:
        return self.y + self.height / 2 + 6


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    short_label: str


@dataclass(frozen=True)
class HeatMap:
    width: float
    height: float
    plot_left: float
    plot_top: float
    plot_right: float
    plot_bottom: float
    cells: list[Cell]
    likelihood_ticks: list[Tick]
    impact_ticks: list[Tick]

    @property
    def label_x(self) -> float:
        return self.plot_left - 8

    @property
    def impact_label_y(self) -> float:
        return self.plot_bottom + 18

    @property
    def axis_title_y(self) -> float:
        return self.plot_bottom + 44

    @property
    def axis_title_x(self) -> float:
        return (self.plot_left + self.plot_right) / 2

    @property
    def total(self) -> int:
        return sum(cell.count for cell in self.cells)

    def occupied(self) -> list[Cell]:
        """Cells with at least one risk, highest score first (for the description)."""
        return sorted(
            (cell for cell in self.cells if cell.count),
            key=lambda cell: (-cell.score, -cell.likelihood),
        )


def heat_map(
    counts: Mapping[tuple[int, int], int],
    matrix: Matrix,
    likelihood_labels: Sequence[str],
    impact_labels: Sequence[str],
) -> HeatMap:
    """The 5 × 5 grid for ``counts`` keyed by ``(likelihood, impact)``; missing cells are 0."""
    left, top = LABEL_WIDTH, TOP
    right, bottom = left + 5 * CELL_WIDTH, top + 5 * CELL_HEIGHT
    cells = [
        Cell(
            likelihood=likelihood,
            impact=impact,
            count=counts.get((likelihood, impact), 0),
            band=matrix.band_for(likelihood * impact),
            x=left + (impact - 1) * CELL_WIDTH,
            y=top + (5 - likelihood) * CELL_HEIGHT,
            width=CELL_WIDTH,
            height=CELL_HEIGHT,
        )
        for likelihood in range(5, 0, -1)
        for impact in range(1, 6)
    ]
    likelihood_ticks = [
        Tick(
            top + (5 - value) * CELL_HEIGHT + CELL_HEIGHT / 2 + 5,
            label,
            shorten(f"{value}. {label}", 24),
        )
        for value, label in enumerate(likelihood_labels, start=1)
    ]
    impact_ticks = [
        Tick(
            left + (value - 1) * CELL_WIDTH + CELL_WIDTH / 2,
            label,
            shorten(f"{value}. {label}", 18),
        )
        for value, label in enumerate(impact_labels, start=1)
    ]
    return HeatMap(
        width=right + RIGHT,
        height=bottom + AXIS_HEIGHT,
        plot_left=left,
        plot_top=top,
        plot_right=right,
        plot_bottom=bottom,
        cells=cells,
        likelihood_ticks=likelihood_ticks,
        impact_ticks=impact_ticks,
    )


@dataclass(frozen=True)
class TableRow:
    """One row of the data table beside a heat map: a likelihood level and its five counts."""

    level: object
    counts: list[int]


def table_rows(
    counts: Mapping[tuple[int, int], int], likelihood_levels: Sequence[object]
) -> list[TableRow]:
    """Rows from likelihood 5 down to 1 (as the grid is drawn), impact 1 to 5 across."""
    return [
        TableRow(level, [counts.get((value, impact), 0) for impact in range(1, 6)])
        for value, level in reversed(list(enumerate(likelihood_levels, start=1)))
    ]
