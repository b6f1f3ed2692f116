from __future__ import annotations

import re
from decimal import Decimal

from margins.calculations import Month, SparkPoint
from margint.sparkline import Point, as_points, sparkline_svg

API_SPARKLINE = [
    {"period": "2026-02", "marginPercent": 65},
    {"period": "2026-03", "marginPercent": 68},
    {"period": "2026-04", "marginPercent": 70},
    {"period": "2026-05", "marginPercent": 72, "projected": True},
]


def _points_attr(svg: str, css_class: str) -> list[str]:
    return re.findall(rf'<polyline class="{css_class}" points="([^"]+)"', svg)


def test_actual_months_are_a_solid_line_and_the_projection_is_dashed_from_the_last_month():
    svg = sparkline_svg(as_points(API_SPARKLINE))
    # x spreads 4 points over 3..93; y maps 65..72 onto 25..3 (SVG y grows downwards).
    assert _points_attr(svg, "spark-line") == ["3,25 33,15.6 63,9.3"]
    assert _points_attr(svg, "spark-projected") == ["63,9.3 93,3"]
    assert 'stroke-dasharray="3 2"' in svg.split('class="spark-projected"')[1].split("/>")[0]
    assert "stroke-dasharray" not in svg.split('class="spark-line"')[1].split("/>")[0]
    assert '<circle class="spark-dot" cx="63" cy="9.3"' in svg
    assert '<circle class="spark-dot spark-dot-projected" cx="93" cy="3"' in svg


def test_the_svg_carries_every_value_as_text():
    svg = sparkline_svg(as_points(API_SPARKLINE))
    label = "Margin trend: 2026-02 65.0%, 2026-03 68.0%, 2026-04 70.0%, 2026-05 72.0% (projected)"
    assert f'role="img" aria-label="{label}"' in svg
    assert f"<title>{label}</title>" in svg


def test_calculation_sparkpoints_are_accepted_as_they_are():
    points = as_points(
        [SparkPoint(Month(2026, 3), Decimal("10.5")), SparkPoint(Month(2026, 4), Decimal("-3"), True)]
    )
    assert points == (Point("2026-03", Decimal("10.5")), Point("2026-04", Decimal("-3"), True))


def test_a_missing_month_breaks_the_line_and_a_lone_month_is_a_dot():
    svg = sparkline_svg(
        [Point("a", Decimal(10)), Point("b", None), Point("c", Decimal(20)), Point("d", Decimal(30))]
    )
    assert _points_attr(svg, "spark-line") == ["63,14 93,3"]
    assert '<circle class="spark-line-alone" cx="3" cy="25"' in svg
    assert "b no data" in svg


def test_a_zero_line_appears_only_when_values_cross_break_even():
    crossing = sparkline_svg([Point("a", Decimal(-10)), Point("b", Decimal(10))])
    assert '<line class="spark-zero" x1="0" x2="96" y1="14" y2="14"' in crossing
    assert "spark-zero" not in sparkline_svg([Point("a", Decimal(10)), Point("b", Decimal(20))])


def test_an_extreme_projection_is_drawn_at_the_floor_but_labelled_with_its_value():
    svg = sparkline_svg([Point("a", Decimal(10)), Point("b", Decimal(20)), Point("c", Decimal(-450), True)])
    assert _points_attr(svg, "spark-projected") == ["48,3 93,25"]  # -450 is drawn at -100, the bottom
    assert "c -450.0% (projected)" in svg


def test_flat_and_single_point_lines_sit_in_the_middle():
    flat = sparkline_svg([Point("a", Decimal(5)), Point("b", Decimal(5))])
    assert _points_attr(flat, "spark-line") == ["3,14 93,14"]
    single = sparkline_svg([Point("a", Decimal(5))], width=40, height=20)
    assert '<circle class="spark-dot" cx="20" cy="10"' in single


def test_no_values_render_nothing_and_labels_are_escaped():
    assert sparkline_svg([]) == ""
    assert sparkline_svg([Point("a", None)]) == ""
    svg = sparkline_svg([Point('<b>"x"', Decimal(1))])
    assert "<b>" not in svg and "&lt;b&gt;&quot;x&quot;" in svg
