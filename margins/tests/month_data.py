"""Known-answer data for the month in progress, shared by the tests of every surface.

Three mapped customers, with revenue recognized the way billing recognizes an invoice line (its
service period spread over the UTC days it touches, `billing.recognition.days.spread_over_days`):

- acme: a line covering the whole month, 1 unit a day; cost 0.4 a day: 60 % every day.
  The month before: a line of 1 a day, cost 0.5 a day (50 %, healthy).
- late: a line whose service period starts on the 15th (1 unit a day for as many days as the
  month has), cost 0.2 a day from the 1st.
- newco: cost 3 units on the 1st and no revenue yet.

Cost exists only for the days up to `today`: it cannot be ingested ahead of time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from billing.recognition.days import spread_over_days
from margins.calculations import Month
from margins.tests.factories import add_cost, add_revenue, map_tag

M = 1_000_000
DAY = timedelta(days=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def invoice_line(
    org, stripe_id: str, amount: int, start: date, end: date, *, name: str | None = None
) -> None:
    """An invoice line of `amount` micro-units for the service period [start, end), recognized by day."""
    for day, share in spread_over_days(amount, _midnight(start), _midnight(end)):
        add_revenue(org, stripe_id, day, share, name=name)


@dataclass(frozen=True)
class Case:
    name: str
    now: datetime
    period: Month
    label: str
    as_of: str
    is_partial: bool
    # tag -> (revenue, cost, marginPercent, healthTier, projected revenue, cost, percent, tier)
    rows: dict
    # revenue, cost, blended, critical, at risk, projected revenue, cost, percent, tier
    summary: tuple


def month_of_data(org, period: Month, today: date) -> None:
    first, end = period.bounds
    days = (end - first).days
    before = period.previous()
    map_tag(org, "cus_acme", "acme", name="Acme")
    map_tag(org, "cus_late", "late", name="Late Start")
    map_tag(org, "cus_newco", "newco", name="Newco")
    before_days = (first - before.first_day).days
    invoice_line(org, "cus_acme", before_days * M, before.first_day, first)
    for offset in range(before_days):
        add_cost(org, "acme", before.first_day + offset * DAY, M // 2)
    invoice_line(org, "cus_acme", days * M, first, end)
    invoice_line(org, "cus_late", days * M, first + 14 * DAY, first + (14 + days) * DAY)
    add_cost(org, "newco", first, 3 * M)
    last = min(today, end - DAY)
    for offset in range((last - first).days + 1):
        add_cost(org, "acme", first + offset * DAY, 400_000)
        add_cost(org, "late", first + offset * DAY, 200_000)


DEC = Month(2026, 12)
LEAP_FEB = Month(2028, 2)

CASES = (
    Case(
        "first_day",
        datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        DEC,
        "December to date, 1 Dec",
        "2026-12-01",
        True,
        {
            "acme": (1 * M, 400_000, 60.0, "healthy", 31 * M, 12_400_000, 60.0, "healthy"),
            "late": (0, 200_000, 0.0, "critical", 17 * M, 6_200_000, 63.53, "healthy"),
            "newco": (0, 3 * M, 0.0, "critical", 0, 93 * M, 0.0, "critical"),
        },
        (1 * M, 3_600_000, -260.0, 2, 0, 48 * M, 111_600_000, -132.5, "critical"),
    ),
    Case(
        "sixth_day",
        datetime(2026, 12, 6, 12, 0, tzinfo=UTC),
        DEC,
        "December to date, 1–6 Dec",
        "2026-12-06",
        True,
        {
            "acme": (6 * M, 2_400_000, 60.0, "healthy", 31 * M, 12_400_000, 60.0, "healthy"),
            "late": (0, 1_200_000, 0.0, "critical", 17 * M, 6_200_000, 63.53, "healthy"),
            "newco": (0, 3 * M, 0.0, "critical", 0, 15_500_000, 0.0, "critical"),
        },
        (6 * M, 6_600_000, -10.0, 2, 0, 48 * M, 34_100_000, 28.96, "moderate"),
    ),
    Case(
        "last_day",
        datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
        DEC,
        "December to date, 1–31 Dec",
        "2026-12-31",
        True,
        {
            "acme": (31 * M, 12_400_000, 60.0, "healthy", 31 * M, 12_400_000, 60.0, "healthy"),
            "late": (17 * M, 6_200_000, 63.53, "healthy", 17 * M, 6_200_000, 63.53, "healthy"),
            "newco": (0, 3 * M, 0.0, "critical", 0, 3 * M, 0.0, "critical"),
        },
        (48 * M, 21_600_000, 55.0, 1, 0, 48 * M, 21_600_000, 55.0, "healthy"),
    ),
    Case(
        "finished",
        datetime(2027, 1, 2, 8, 0, tzinfo=UTC),
        DEC,
        "December 2026, complete",
        "2026-12-31",
        False,
        {
            "acme": (31 * M, 12_400_000, 60.0, "healthy", None, None, None, None),
            "late": (17 * M, 6_200_000, 63.53, "healthy", None, None, None, None),
            "newco": (0, 3 * M, 0.0, "critical", None, None, None, None),
        },
        (48 * M, 21_600_000, 55.0, 1, 0, None, None, None, None),
    ),
    Case(
        "leap_february",
        datetime(2028, 2, 10, 9, 0, tzinfo=UTC),
        LEAP_FEB,
        "February to date, 1–10 Feb",
        "2028-02-10",
        True,
        {
            "acme": (10 * M, 4 * M, 60.0, "healthy", 29 * M, 11_600_000, 60.0, "healthy"),
            "late": (0, 2 * M, 0.0, "critical", 15 * M, 5_800_000, 61.33, "healthy"),
            "newco": (0, 3 * M, 0.0, "critical", 0, 8_700_000, 0.0, "critical"),
        },
        (10 * M, 9 * M, 10.0, 2, 0, 44 * M, 26_100_000, 40.68, "moderate"),
    ),
)
CASE_IDS = [case.name for case in CASES]


def case_data(org, case: Case) -> None:
    month_of_data(org, case.period, case.now.date())


@pytest.fixture(params=CASES, ids=CASE_IDS, name="case")
def known_answer_case(request, org, clock_at) -> Case:
    """Each known-answer case: its data written for `org`, the clock at its moment."""
    case: Case = request.param
    case_data(org, case)
    clock_at(case.now)
    return case
