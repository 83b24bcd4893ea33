"""Server-rendered SVG charts (no JavaScript; the same markup prints in the PDF).

Each tag draws the geometry of ``schildwacht.reports.charts`` as an accessible image: the SVG
has ``role="img"`` and is labelled by its own ``<title>`` and ``<desc>``; the page puts a data
table with the same figures beside it. Colours are SVG presentation attributes, never inline
styles (the CSP allows stylesheets from our own origin only).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from schildwacht.reports.charts import bar_chart, format_level, line_chart, one_decimal

register = template.Library()


@register.inclusion_tag("reports/charts/_bar_chart.html")
def level_bar_chart(
    items: Iterable[tuple[str, float | None]],
    chart_id: str,
    title: str,
    description: str = "",
    target: int = 3,
) -> dict[str, Any]:
    """Horizontal bars of the average level per domain on 0–5, with the target line."""
    return {
        "chart": bar_chart(list(items), target=target),
        "chart_id": chart_id,
        "title": title,
        "description": description,
        "target": target,
    }


@register.inclusion_tag("reports/charts/_line_chart.html")
def level_line_chart(
    items: Iterable[tuple[str, float | None]],
    chart_id: str,
    title: str,
    description: str = "",
    target: int = 3,
) -> dict[str, Any]:
    """A small line of the overall average level over the metingen, oldest first."""
    return {
        "chart": line_chart(list(items), target=target),
        "chart_id": chart_id,
        "title": title,
        "description": description,
        "target": target,
    }


@register.filter
def level(value: Any) -> str:
    """A level for display: one decimal with a comma, "–" for none (or a missing value)."""
    return format_level(float(value)) if isinstance(value, int | float) else format_level(None)


@register.filter
def change(value: Any) -> str:
    """A change in level with its sign (+0,4 / −0,2 / 0,0); "–" for none."""
    if not isinstance(value, int | float):
        return "–"
    rounded = one_decimal(value)
    text = str(abs(rounded)).replace(".", ",")
    if rounded > 0:
        return f"+{text}"
    if rounded < 0:
        return f"−{text}"
    return text


@register.filter
def change_direction(value: Any) -> str:
    """ "up", "down" or "" for a change in level (a CSS modifier; the sign carries the meaning)."""
    if not isinstance(value, int | float) or one_decimal(value) == 0:
        return ""
    return "up" if value > 0 else "down"


@register.simple_tag
def school_rows(schools: Iterable[Any]) -> str:
    """The rows of the dashboard's school table, built in one pass.

    A board may have a few hundred schools; as template markup each row cost about a third of
    a millisecond and the table alone put the largest board over its target (bench/README.md).
    """
    no_meting = gettext("Nog geen meting")
    newer_note = gettext("nieuwere meting in behandeling")
    rows = []
    for school in schools:
        overall, difference = school.overall, school.change
        if school.assessment is not None:
            note = format_html(", {}", newer_note) if school.newer else ""
            meting = format_html(
                '{} <span class="muted">({}){}</span>',
                school.assessment.title,
                school.status_label.lower(),
                note,
            )
        else:
            meting = format_html('<span class="muted">{}</span>', no_meting)
        percent = overall.percent_at_target if overall is not None else None
        rows.append(
            format_html(
                '<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td><td>{}</td>'
                '<td class="change--{}">{}</td><td>{}</td></tr>',
                reverse("reports:organisation", args=[school.organisation.pk]),
                school.organisation.name,
                meting,
                level(overall.average if overall is not None else None),
                change_direction(difference),
                change(difference),
                "–" if percent is None else f"{percent}%",
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every part went through format_html
