"""Inline SVG sparklines of margin percentages: a solid line through actual months, dashed to a projection.

Pure module: no Django. The SVG carries its own stroke attributes (currentColor) so it reads
without the stylesheet, and a text alternative (role="img", aria-label and <title>) that lists
every point, so the picture is never the only place a number lives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from margint.formatting import percent

# Margins cannot exceed 100%; below -100% (cost over twice the revenue) the shape says enough,
# and one extreme projection must not flatten the months that are real.
DRAW_FLOOR = Decimal(-100)
DRAW_CEILING = Decimal(100)


@dataclass(frozen=True)
class Point:
    label: str
    value: Decimal | None  # None: no margin that month, the line breaks
    projected: bool = False


def as_points(items: Iterable[object]) -> tuple[Point, ...]:
    """Accept Points, the API's {"period", "marginPercent", "projected"} dicts, or calculation SparkPoints."""
    return tuple(_as_point(item) for item in items)


def _as_point(item: object) -> Point:
    if isinstance(item, Point):
        return item
    if isinstance(item, Mapping):
        value = item.get("marginPercent")
        label, projected = item.get("period", ""), item.get("projected", False)
    else:
        value = getattr(item, "margin_percent")  # noqa: B009 - duck-typed margins SparkPoint
        label, projected = getattr(item, "period", ""), getattr(item, "projected", False)
    return Point(str(label), None if value is None else Decimal(str(value)), bool(projected))


def sparkline_svg(
    points: Sequence[Point],
    *,
    width: int = 96,
    height: int = 28,
    describe: Callable[[Decimal], str] = percent,
) -> str:
    """The SVG markup; an empty string when no point has a value."""
    known = [p.value for p in points if p.value is not None]
    if not known:
        return ""
    scale = _Scale(points, known, width, height)
    label = escape(_description(points, describe))
    parts = [
        f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{label}"><title>{label}</title>',
        _zero_line(scale, known, width),
        *(_polyline(run, scale, "spark-line", "") for run in _actual_runs(points)),
        _projection(points, scale),
        _end_dots(points, scale),
        "</svg>",
    ]
    return "".join(part for part in parts if part)


class _Scale:
    """Maps point index and value to SVG coordinates, leaving room for the dot radius."""

    PAD = 3

    def __init__(self, points: Sequence[Point], known: list[Decimal], width: int, height: int) -> None:
        self.count = len(points)
        self.width, self.height = width, height
        self.low = max(min(known), DRAW_FLOOR)
        self.high = min(max(known), DRAW_CEILING)

    def x(self, index: int) -> str:
        if self.count == 1:
            return _num(self.width / 2)
        return _num(self.PAD + index * (self.width - 2 * self.PAD) / (self.count - 1))

    def y(self, value: Decimal) -> str:
        clamped = min(max(value, DRAW_FLOOR), DRAW_CEILING)
        if self.high == self.low:
            return _num(self.height / 2)
        share = float((clamped - self.low) / (self.high - self.low))
        return _num(self.height - self.PAD - share * (self.height - 2 * self.PAD))


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _actual_runs(points: Sequence[Point]) -> list[list[tuple[int, Decimal]]]:
    """Consecutive actual points with values; a missing month or a projection ends a run."""
    runs: list[list[tuple[int, Decimal]]] = [[]]
    for index, point in enumerate(points):
        if point.value is None or point.projected:
            runs.append([])
        else:
            runs[-1].append((index, point.value))
    return [run for run in runs if run]


def _polyline(run: list[tuple[int, Decimal]], scale: _Scale, css: str, extra: str) -> str:
    if len(run) == 1:  # a month between two gaps: a dot, or it would not show at all
        ((i, v),) = run
        return (
            f'<circle class="{css}-alone" cx="{scale.x(i)}" cy="{scale.y(v)}" r="1.5" fill="currentColor"/>'
        )
    coords = " ".join(f"{scale.x(i)},{scale.y(v)}" for i, v in run)
    return (
        f'<polyline class="{css}" points="{coords}" fill="none" stroke="currentColor" '
        f'stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"{extra}/>'
    )


def _projection(points: Sequence[Point], scale: _Scale) -> str:
    """Dashed from the last actual point (when it is the one just before) through the projections."""
    first = next((i for i, p in enumerate(points) if p.projected), None)
    if first is None:
        return ""
    run = [(i, p.value) for i, p in enumerate(points) if p.projected and p.value is not None]
    before = points[first - 1] if first > 0 else None
    if before is not None and before.value is not None and not before.projected:
        run.insert(0, (first - 1, before.value))
    if len(run) < 2:  # nothing to join: the hollow end dot shows the projection alone
        return ""
    return _polyline(run, scale, "spark-projected", ' stroke-dasharray="3 2"')


def _end_dots(points: Sequence[Point], scale: _Scale) -> str:
    """A filled dot on the latest actual point, a hollow one on each projected point."""
    dots = []
    actual = [(i, p.value) for i, p in enumerate(points) if not p.projected and p.value is not None]
    if actual:
        i, v = actual[-1]
        dots.append(
            f'<circle class="spark-dot" cx="{scale.x(i)}" cy="{scale.y(v)}" r="2" fill="currentColor"/>'
        )
    for i, p in enumerate(points):
        if p.projected and p.value is not None:
            dots.append(
                f'<circle class="spark-dot spark-dot-projected" cx="{scale.x(i)}" cy="{scale.y(p.value)}" '
                'r="2" fill="white" stroke="currentColor" stroke-width="1"/>'
            )
    return "".join(dots)


def _zero_line(scale: _Scale, known: list[Decimal], width: int) -> str:
    """A faint break-even line, only when the values straddle zero."""
    if not (min(known) < 0 < max(known)):
        return ""
    y = scale.y(Decimal(0))
    return (
        f'<line class="spark-zero" x1="0" x2="{width}" y1="{y}" y2="{y}" '
        'stroke="currentColor" stroke-opacity="0.25" stroke-width="1"/>'
    )


def _description(points: Sequence[Point], describe: Callable[[Decimal], str]) -> str:
    words = []
    for p in points:
        shown = "no data" if p.value is None else describe(p.value)
        words.append(f"{p.label} {shown}{' (projected)' if p.projected else ''}".strip())
    return "Margin trend: " + ", ".join(words)
