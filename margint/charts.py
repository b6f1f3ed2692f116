"""The layout of a month-by-month chart: revenue and cost as bars, margin % as a line, real axes.

Pure: amounts in, coordinates and tick labels out (no Django, no database). The templates
(`templates/margint/partials/_month_chart.html`) draw the SVG from a `Chart`; the page carries no
script and no style attribute, so it renders under a strict Content-Security-Policy, and the
same numbers appear in an accessible table next to it.

Coordinates are in the SVG's own units (a `viewBox`); CSS scales the drawing to the width of its
container. Money is integer micro-units throughout; only pixel positions are floats, rounded to
one decimal for a compact document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 960
HEIGHT = 300
LEFT = 64  # room for the money axis labels
RIGHT = 52  # room for the percent axis labels
TOP = 16
BOTTOM = 40  # room for the month labels
MICRO = 1_000_000


@dataclass(frozen=True)
class MonthValues:
    """One month's figures: what a chart is built from."""

    label: str  # "2026-12", for the hover text
    short: str  # "Dec", under the bar
    revenue: int  # micro-units
    cost: int  # micro-units
    percent: Decimal | None  # margin %, None without revenue
    in_progress: bool = False
    year: str = ""  # "2026" under the first month and under each January


@dataclass(frozen=True)
class Tick:
    position: float  # y for a vertical axis
    label: str


@dataclass(frozen=True)
class Slot:
    """One month's bars, its label position and the band that marks it when it is in progress."""

    values: MonthValues
    band_x: float
    band_width: float
    label_x: float
    revenue_x: float
    revenue_y: float
    revenue_height: float
    cost_x: float
    cost_y: float
    cost_height: float
    bar_width: float
    point_y: float | None  # the margin % line's point, None where there is no margin


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    slots: tuple[Slot, ...]
    money_ticks: tuple[Tick, ...]
    percent_ticks: tuple[Tick, ...]
    zero_y: float
    line_segments: tuple[str, ...]  # polyline `points`, broken where a month has no margin

    @property
    def plot_height(self) -> int:
        return self.plot_bottom - self.plot_top

    @property
    def label_y(self) -> int:
        return self.plot_bottom + 20

    @property
    def axis_title_y(self) -> int:
        return self.plot_top + (self.plot_bottom - self.plot_top) // 2


def nice_step(span: int, count: int = 4) -> int:
    """The smallest of 1, 2 or 5 times a power of ten that covers `span` in at most `count` steps."""
    span = max(1, span)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if -(-span // step) <= count:
                return step
        magnitude *= 10


def money_label(amount_micro: int) -> str:
    """A tick label in whole currency units, compact: 0, 500, 1.5k, 12k, 3M."""
    whole = Decimal(amount_micro) / MICRO
    sign = "-" if whole < 0 else ""
    whole = abs(whole)
    for size, suffix in ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if whole >= size:
            return f"{sign}{_trim(whole / size)}{suffix}"
    return f"{sign}{_trim(whole)}"


def _trim(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text or "0"


def _round(value: float) -> float:
    return round(value, 1)


def layout(months: Sequence[MonthValues], *, width: int = WIDTH, height: int = HEIGHT) -> Chart:
    """Place the bars, the margin line and the ticks of both axes for `months`, oldest first."""
    plot_left, plot_right, plot_top, plot_bottom = LEFT, width - RIGHT, TOP, height - BOTTOM
    plot_height = plot_bottom - plot_top

    # Money axis: from 0 (or below, for a negative amount) to a round top above the largest amount.
    amounts = [a for m in months for a in (m.revenue, m.cost)] or [0]
    low_money, high_money = min(0, min(amounts)), max(0, max(amounts))
    step = nice_step(max(high_money - low_money, MICRO))
    money_low = (low_money // step) * step  # floor: at or below the lowest amount, 0 without a negative
    money_high = max(step, -(-high_money // step) * step)

    def money_y(amount: int) -> float:
        return plot_bottom - (amount - money_low) * plot_height / (money_high - money_low)

    money_ticks = tuple(
        Tick(_round(money_y(value)), money_label(value)) for value in range(money_low, money_high + 1, step)
    )

    # Percent axis: the margins shown, always including 0 and 100 %, clamped to -100 .. 100 %
    # below (a margin of -400 % would flatten every other month), round steps of 25 or 50.
    percents = [m.percent for m in months if m.percent is not None]
    p_low = max(Decimal(-100), min([Decimal(0), *percents]))
    p_step = 25 if p_low >= -50 else 50
    percent_low = int((p_low / p_step).to_integral_value(rounding="ROUND_FLOOR")) * p_step
    percent_high = 100

    def percent_y(value: Decimal) -> float:
        value = max(Decimal(percent_low), min(Decimal(percent_high), value))
        return float(plot_bottom - (value - percent_low) * plot_height / (percent_high - percent_low))

    percent_ticks = tuple(
        Tick(_round(percent_y(Decimal(v))), f"{v}%") for v in range(percent_low, percent_high + 1, p_step)
    )

    count = max(1, len(months))
    band = (plot_right - plot_left) / count
    bar = max(2.0, band * 0.3)
    slots = []
    segments: list[list[str]] = [[]]
    zero = money_y(0)
    for index, month in enumerate(months):
        band_x = plot_left + index * band
        centre = band_x + band / 2
        revenue_top, cost_top = money_y(month.revenue), money_y(month.cost)
        point_y = None if month.percent is None else _round(percent_y(month.percent))
        slots.append(
            Slot(
                values=month,
                band_x=_round(band_x),
                band_width=_round(band),
                label_x=_round(centre),
                revenue_x=_round(centre - bar - 1),
                revenue_y=_round(min(revenue_top, zero)),
                revenue_height=_round(abs(zero - revenue_top)),
                cost_x=_round(centre + 1),
                cost_y=_round(min(cost_top, zero)),
                cost_height=_round(abs(zero - cost_top)),
                bar_width=_round(bar),
                point_y=point_y,
            )
        )
        if point_y is None:
            segments.append([])
        else:
            segments[-1].append(f"{_round(centre)},{point_y}")
    return Chart(
        width=width,
        height=height,
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        slots=tuple(slots),
        money_ticks=money_ticks,
        percent_ticks=percent_ticks,
        zero_y=_round(zero),
        line_segments=tuple(" ".join(points) for points in segments if points),
    )
