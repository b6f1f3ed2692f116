"""The month chart's layout (margint/charts.py): scales, ticks, bars, the margin line, the current month."""

from __future__ import annotations

from decimal import Decimal

from margint import charts

M = 1_000_000


def _month(label: str, revenue: int, cost: int, percent: str | None, **kw) -> charts.MonthValues:
    return charts.MonthValues(
        label=label,
        short=label[-2:],
        revenue=revenue,
        cost=cost,
        percent=None if percent is None else Decimal(percent),
        **kw,
    )


def test_nice_steps_cover_the_span_in_round_numbers():
    assert charts.nice_step(100 * M) == 50 * M
    assert charts.nice_step(130 * M) == 50 * M
    assert charts.nice_step(7) == 2
    assert charts.nice_step(0) == 1


def test_money_labels_are_compact_whole_units():
    assert [
        charts.money_label(v) for v in (0, 500 * M, 1_500 * M, 12_000 * M, 3_000_000 * M, -2_000 * M)
    ] == [
        "0",
        "500",
        "1.5k",
        "12k",
        "3M",
        "-2k",
    ]


def test_bars_share_one_scale_from_zero_and_ticks_span_the_largest_amount():
    chart = charts.layout(
        [_month("2026-03", 100 * M, 32 * M, "68"), _month("2026-04", 130 * M, 30 * M, "76.9")]
    )
    assert [t.label for t in chart.money_ticks] == ["0", "50", "100", "150"]
    assert chart.money_ticks[0].position == chart.plot_bottom == chart.zero_y
    assert chart.money_ticks[-1].position == chart.plot_top
    march, april = chart.slots
    assert march.revenue_y + march.revenue_height == chart.zero_y
    assert abs(april.revenue_height / march.cost_height - 130 / 32) < 0.01
    assert march.label_x < april.label_x and march.revenue_x < march.cost_x


def test_margin_line_breaks_where_a_month_has_no_margin_and_percent_axis_is_clamped():
    chart = charts.layout(
        [
            _month("2026-01", 10 * M, 5 * M, "50"),
            _month("2026-02", 0, 5 * M, None),
            _month("2026-03", 10 * M, 50 * M, "-400"),
            _month("2026-04", 10 * M, 2 * M, "80"),
        ]
    )
    assert [t.label for t in chart.percent_ticks] == ["-100%", "-50%", "0%", "50%", "100%"]
    assert chart.slots[1].point_y is None
    assert len(chart.line_segments) == 2 and chart.line_segments[1].count(",") == 2
    # -400 % sits on the axis' floor, not below the plot.
    assert chart.slots[2].point_y == chart.plot_bottom


def test_negative_amounts_go_below_the_zero_line():
    chart = charts.layout([_month("2026-04", -20 * M, 10 * M, None)])
    (slot,) = chart.slots
    assert chart.money_ticks[0].label.startswith("-")
    assert slot.revenue_y == chart.zero_y and slot.revenue_height > 0
    assert slot.cost_y + slot.cost_height == chart.zero_y


def test_an_empty_chart_still_has_axes():
    chart = charts.layout([])
    assert chart.slots == () and chart.line_segments == ()
    assert [t.label for t in chart.money_ticks] == ["0", "0.5"]
