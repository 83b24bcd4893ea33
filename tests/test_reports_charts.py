"""Chart geometry with hand-made values, and the SVG the template tags draw from it."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template

from schildwacht.reports.charts import bar_chart, format_level, line_chart, shorten


def test_bars_land_on_the_scale() -> None:
    chart = bar_chart(
        [("GO Bestuur", 2.5), ("RM Risicomanagement", 5.0), ("Leeg", None), ("Te hoog", 7.0)],
        width=700,
        label_width=200,
        value_width=0,
        bar_height=20,
        gap=10,
        top=0,
    )
    # Plot runs from x=200 to x=700: 100 px per level.
    assert (chart.plot_left, chart.plot_right) == (200, 700)
    assert [b.width for b in chart.bars] == [250, 500, 0, 500]  # 7 is clamped to 5
    assert [b.y for b in chart.bars] == [0, 30, 60, 90]
    assert chart.target_x == 500  # target 3 at three fifths
    assert [t.position for t in chart.ticks] == [200, 300, 400, 500, 600, 700]
    assert [t.label for t in chart.ticks] == ["0", "1", "2", "3", "4", "5"]
    assert [b.text for b in chart.bars] == ["2,5", "5,0", "–", "7,0"]
    assert [b.at_target for b in chart.bars] == [False, True, False, True]
    assert chart.bars[0].text_x == 200 + 250 + 6
    assert chart.plot_bottom == 4 * 30 - 10 + 4
    assert chart.height == chart.plot_bottom + 24


def test_bar_chart_without_target_or_items() -> None:
    chart = bar_chart([], target=None)
    assert chart.bars == []
    assert chart.target_x is None
    with pytest.raises(ValueError, match="scale_max"):
        bar_chart([("x", 1.0)], scale_max=0)


def test_line_points_and_gaps() -> None:
    chart = line_chart(
        [("01-2025", 1.0), ("06-2025", None), ("12-2025", 2.5), ("03-2026", 5.0)],
        width=330,
        height=130,
        left=30,
        right=0,
        top=0,
        bottom=30,
    )
    # x from 30 to 330 in three steps of 100; y from 100 (level 0) to 0 (level 5): 20 px a level.
    assert [(p.x, p.y) for p in chart.points] == [(30, 80), (230, 50), (330, 0)]
    assert chart.path == "M30 80 M230 50 L330 0"  # the missing meting breaks the line
    assert chart.target_y == 40
    assert [t.position for t in chart.labels] == [30, 130, 230, 330]
    assert [t.position for t in chart.ticks] == [100, 80, 60, 40, 20, 0]


def test_single_point_is_centred() -> None:
    chart = line_chart([("nu", 2.0)], width=200, left=0, right=0)
    assert chart.points[0].x == 100
    assert chart.path.startswith("M100 ")


def test_formatting() -> None:
    assert format_level(1.94) == "1,9"
    assert format_level(1.25) == "1,3"  # half up, as people round
    assert format_level(1.75) == "1,8"
    assert format_level(2.0) == "2,0"
    assert format_level(None) == "–"
    assert shorten("a" * 40) == "a" * 29 + "…"
    assert shorten("kort") == "kort"


def test_svg_is_accessible_and_free_of_inline_style() -> None:
    html = Template(
        "{% load charts %}{% level_bar_chart items 'c1' 'Niveau per domein' %}"
        "{% level_line_chart points 'c2' 'Ontwikkeling' %}"
    ).render(
        Context(
            {
                "items": [("GO Bestuur", 2.3), ("<script>", 1.0)],
                "points": [("01-2025", 1.5), ("01-2026", 2.5)],
            }
        )
    )
    assert html.count('role="img"') == 2
    assert 'aria-labelledby="c1-titel c1-uitleg"' in html
    assert '<title id="c1-titel">Niveau per domein</title>' in html
    assert "GO Bestuur: 2,3." in html
    assert "style=" not in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    # Coordinates are never localised (a Dutch decimal comma would break the SVG).
    for value in re.findall(r' (?:x|y|width|x1|x2|cx|cy)="([^"]*)"', html):
        assert "," not in value, value
    assert 'stroke-dasharray="6 4"' in html  # the target line
