"""Margin alerts of a month in progress wait for enough days and money (calculations.alert_ready)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from margins.tests.factories import add_cost, map_tag
from margins.tests.month_data import M, invoice_line
from publicapi.margin_alerts import margin_alerts_evaluate
from publicapi.notifications.models import WebhookEvent


def sliding_org(org, first: date, days: int, through: int, cost_per_day: int = 3 * M // 2) -> None:
    """slide: healthy last month (70 %); this month 1 unit of revenue a day against 1.5 of cost."""
    map_tag(org, "cus_slide", "slide", name="Slide")
    before = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    invoice_line(org, "cus_slide", (first - before).days * M, before, first)
    add_cost(org, "slide", before, (first - before).days * M * 3 // 10)
    invoice_line(org, "cus_slide", days * M, first, date.fromordinal(first.toordinal() + days))
    for offset in range(through):
        add_cost(org, "slide", date.fromordinal(first.toordinal() + offset), cost_per_day)


@pytest.mark.parametrize(
    ("now", "alerts"),
    [
        (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), 0),  # the first day: critical to date, but too early
        (datetime(2026, 12, 6, 12, 0, tzinfo=UTC), 0),
        (datetime(2026, 12, 7, 12, 0, tzinfo=UTC), 1),
        (datetime(2026, 12, 31, 23, 0, tzinfo=UTC), 1),  # the last day
    ],
)
def test_margin_alerts_of_the_month_in_progress_wait_for_seven_days(org, clock_at, now, alerts):
    sliding_org(org, date(2026, 12, 1), 31, through=now.day)
    clock_at(now)
    assert margin_alerts_evaluate(org=org, as_of=now) == alerts
    if alerts:
        data = WebhookEvent.objects.get(org=org).payload["data"]["object"]
        assert (data["revenue_microdollars"], data["cost_microdollars"]) == (
            now.day * M,
            now.day * 3 * M // 2,
        )


def test_margin_alerts_wait_for_ten_units_of_money(org, clock_at):
    now = clock_at(datetime(2028, 2, 10, 9, 0, tzinfo=UTC))  # a leap February, ten days in
    sliding_org(org, date(2028, 2, 1), 29, through=10, cost_per_day=3 * M // 2)
    assert margin_alerts_evaluate(org=org, as_of=now) == 1
    other = org.__class__.objects.create(name="Small", tier=org.tier)
    small = 1_000  # a thousandth of a unit a day: the tiers worsen, the money means nothing
    map_tag(other, "cus_s", "s")
    invoice_line(other, "cus_s", 31 * small, date(2028, 1, 1), date(2028, 2, 1))
    add_cost(other, "s", date(2028, 1, 2), 3 * small)
    invoice_line(other, "cus_s", 29 * small, date(2028, 2, 1), date(2028, 3, 1))
    add_cost(other, "s", date(2028, 2, 2), 40 * small)
    assert margin_alerts_evaluate(org=other, as_of=now) == 0
