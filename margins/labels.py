"""How the dashboard names the days a month counted: "December to date, 1–6 Dec", "November, complete"."""

from __future__ import annotations

from margins.calculations import MonthProgress


def month_label(progress: MonthProgress) -> str:
    """The month in progress with its counted days, a finished month as complete."""
    first = progress.period.first_day
    name, short = first.strftime("%B"), first.strftime("%b")
    if not progress.is_partial:
        return f"{name} {first.year}, complete"
    if progress.as_of is None:
        return f"{name} {first.year}, not begun"
    if progress.counted_days == 1:
        return f"{name} to date, 1 {short}"
    return f"{name} to date, 1–{progress.as_of.day} {short}"
