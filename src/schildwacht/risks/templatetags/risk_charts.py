"""The heat map of the risk register as server-rendered SVG, and small display filters.

The SVG has ``role="img"`` and is labelled by its own ``<title>`` and ``<desc>`` (the desc
names every occupied cell); the page puts a data table with the same counts beside it. Colours
are SVG presentation attributes, never inline styles (strict CSP).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

from schildwacht.risks.heatmap import heat_map
from schildwacht.risks.matrix import BoardMatrix, band_for
from schildwacht.risks.reference import Band, default_matrix

register = template.Library()


@register.inclusion_tag("risks/charts/_heat_map.html")
def risk_heat_map(
    counts: dict[tuple[int, int], int],
    matrix: BoardMatrix,
    chart_id: str,
    title: str,
    description: str = "",
) -> dict[str, Any]:
    """A 5 × 5 grid of ``counts`` per (likelihood, impact) in the board's labels."""
    return {
        "chart": heat_map(
            counts,
            default_matrix(),
            [level.label for level in matrix.likelihood],
            [level.label for level in matrix.impact],
        ),
        "chart_id": chart_id,
        "title": title,
        "description": description,
    }


@register.filter
def band(score: Any) -> Band | None:
    """The score band of a score (None for no score)."""
    return band_for(int(score)) if isinstance(score, int) and score > 0 else None


@register.filter
def euros(value: Any) -> str:
    """Whole euros with the locale's thousands separator ("€ 12.500"); "–" for none."""
    if value is None or value == "":
        return "–"
    amount = Decimal(value).quantize(Decimal("1"))
    return f"€ {number_format(amount, decimal_pos=0, force_grouping=True)}"


@register.filter
def likelihood_label(matrix: BoardMatrix, value: Any) -> str:
    """The board's label of a likelihood level."""
    return matrix.likelihood_label(value) if isinstance(value, int) else ""


@register.filter
def impact_label(matrix: BoardMatrix, value: Any) -> str:
    """The board's label of an impact level."""
    return matrix.impact_label(value) if isinstance(value, int) else ""
