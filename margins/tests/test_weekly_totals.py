"""The ISO-week totals (and the monthly ones beside them) stay equal to the sums of their daily rows,
whatever writes the days: ingestion, upserts, moves, deletes, a rebuild."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from billing.models import RevenueDaily
from margins.calculations.day_pieces import week_start
from margins.costs.services import events_ingest
from margins.costs.tests.ingestion_helpers import event
from margins.models import (
    RUNNING_SUMS,
    CustomerDailyCost,
    CustomerMonthlyCost,
    CustomerMonthlyRevenue,
    CustomerWeeklyCost,
    CustomerWeeklyRevenue,
)
from margins.tests.factories import CostCustomerFactory, add_cost, add_revenue

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday


def cost_from_days(org, period) -> dict[tuple[str, date], tuple[int, int]]:
    """The daily cost rows added up by `period` of their day: what the totals must hold."""
    sums: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    for ext, day, cost, requests in CustomerDailyCost.objects.filter(org=org).values_list(
        "customer__external_id", "day", "cost_micro", "request_count"
    ):
        total = sums[(ext, period(day))]
        total[0] += cost
        total[1] += requests
    return {key: tuple(total) for key, total in sums.items()}


def kept_cost(org, model, period_field) -> dict[tuple[str, date], tuple[int, int]]:
    rows = model.objects.filter(org=org).values_list(
        "customer__external_id", period_field, "cost_micro", "request_count"
    )
    # Rows brought to zero by moves and deletes stay: they hold nothing.
    return {(ext, period): (cost, req) for ext, period, cost, req in rows if cost or req}


def running_from_days(days) -> dict[tuple[str, date], tuple[int, ...]]:
    """(key, day, amount) rows as each week's running sums, Monday through Saturday."""
    running: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0] * 6)
    for key, day, amount in days:
        sums = running[(key, week_start(day))]
        for weekday in range(day.weekday(), 6):
            sums[weekday] += amount
    return {key: tuple(sums) for key, sums in running.items() if any(sums)}


def kept_running(rows) -> dict[tuple[str, date], tuple[int, ...]]:
    return {(key, week): tuple(sums) for key, week, *sums in rows if any(sums)}


def assert_cost_totals_follow_the_days(org):
    assert kept_cost(org, CustomerWeeklyCost, "week") == cost_from_days(org, week_start)
    days = CustomerDailyCost.objects.filter(org=org).values_list("customer__external_id", "day", "cost_micro")
    weeks = CustomerWeeklyCost.objects.filter(org=org).values_list(
        "customer__external_id", "week", *RUNNING_SUMS
    )
    assert kept_running(weeks) == running_from_days(days)
    assert kept_cost(org, CustomerMonthlyCost, "month") == cost_from_days(org, lambda d: d.replace(day=1))


def weekly_revenue(org) -> dict[tuple[str, date], int]:
    rows = CustomerWeeklyRevenue.objects.filter(org=org).values_list(
        "stripe_customer__stripe_id", "week", "amount_micro"
    )
    return {(sid, week): amount for sid, week, amount in rows if amount}


def test_ingested_events_add_up_per_iso_week(org):
    at = [NOW - timedelta(days=k) for k in (0, 1, 2, 3, 9)]  # Wed, Tue, Mon, Sun (last week), ...
    events = [
        event(
            now=moment + timedelta(hours=1), customer=name, costMicrodollars=100 + k, idempotencyKey=f"k{k}"
        )
        for k, (moment, name) in enumerate((m, n) for m in at for n in ("acme", "beta"))
    ]
    events_ingest(org=org, events=events, now=NOW)
    events_ingest(org=org, events=[event(now=NOW, customer="acme", idempotencyKey="again")], now=NOW)
    assert kept_cost(org, CustomerWeeklyCost, "week")[("acme", date(2026, 3, 2))][0] == 100 + 102 + 104 + 1234
    assert_cost_totals_follow_the_days(org)


def test_a_bulk_upsert_moves_and_deletes_keep_weeks_exact(org):
    customer = CostCustomerFactory(org=org, external_id="acme")
    batch = [
        CustomerDailyCost(org=org, customer=customer, day=date(2026, 3, 1), cost_micro=5, request_count=1),
        CustomerDailyCost(org=org, customer=customer, day=date(2026, 3, 2), cost_micro=7, request_count=2),
    ]
    for _ in range(2):  # ingestion's shape of write: inserts new days, overwrites existing ones
        CustomerDailyCost.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["org", "customer", "day"],
            update_fields=["cost_micro", "request_count"],
        )
    assert kept_cost(org, CustomerWeeklyCost, "week") == {
        ("acme", date(2026, 2, 23)): (5, 1),  # Sunday 03-01 ends the week of Monday 02-23
        ("acme", date(2026, 3, 2)): (7, 2),
    }
    CustomerDailyCost.objects.filter(org=org, day=date(2026, 3, 1)).update(day=date(2026, 3, 8))
    assert_cost_totals_follow_the_days(org)
    CustomerDailyCost.objects.filter(org=org, day=date(2026, 3, 2)).delete()
    assert kept_cost(org, CustomerWeeklyCost, "week") == {("acme", date(2026, 3, 2)): (5, 1)}
    assert_cost_totals_follow_the_days(org)


def test_revenue_weeks_follow_daily_revenue_across_a_leap_day_and_a_new_year(org):
    add_revenue(org, "cus_a", date(2028, 2, 28), 300)
    add_revenue(org, "cus_a", date(2028, 2, 29), -500)  # a credit larger than the week so far
    add_revenue(org, "cus_a", date(2028, 3, 5), 90)  # Sunday: same ISO week as the leap day
    add_revenue(org, "cus_a", date(2027, 12, 31), 7)
    add_revenue(org, "cus_a", date(2028, 1, 2), 4)  # Sunday 2028-01-02 ends ISO week 2027-W52
    assert weekly_revenue(org) == {("cus_a", date(2028, 2, 28)): -110, ("cus_a", date(2027, 12, 27)): 11}
    RevenueDaily.objects.filter(org=org, day=date(2028, 3, 5)).delete()
    assert weekly_revenue(org) == {("cus_a", date(2028, 2, 28)): -200, ("cus_a", date(2027, 12, 27)): 11}
    assert_revenue_running_sums_follow_the_days(org)
    # Monday 300, then the leap Tuesday's -500 on every later weekday; Friday 2027-12-31's 7.
    assert kept_running(running_revenue(org))[("cus_a", date(2028, 2, 28))] == (
        300,
        -200,
        -200,
        -200,
        -200,
        -200,
    )
    assert kept_running(running_revenue(org))[("cus_a", date(2027, 12, 27))] == (0, 0, 0, 0, 7, 7)


def running_revenue(org):
    return CustomerWeeklyRevenue.objects.filter(org=org).values_list(
        "stripe_customer__stripe_id", "week", *RUNNING_SUMS
    )


def assert_revenue_running_sums_follow_the_days(org):
    days = RevenueDaily.objects.filter(org=org).values_list(
        "stripe_customer__stripe_id", "day", "amount_micro"
    )
    assert kept_running(running_revenue(org)) == running_from_days(days)


def test_deleting_an_organization_takes_its_weekly_rows_along(org, other_org):
    add_cost(org, "acme", date(2026, 4, 1), 5)
    add_revenue(org, "cus_a", date(2026, 4, 1), 9)
    add_cost(other_org, "acme", date(2026, 4, 1), 6)
    org.delete()
    assert CustomerWeeklyCost.objects.filter(org_id=org.pk).count() == 0
    assert CustomerWeeklyRevenue.objects.filter(org_id=org.pk).count() == 0
    assert kept_cost(other_org, CustomerWeeklyCost, "week") == {("acme", date(2026, 3, 30)): (6, 1)}


def test_rebuild_command_repairs_weekly_totals_too(org):
    add_cost(org, "acme", date(2026, 4, 3), 30)
    add_revenue(org, "cus_a", date(2026, 4, 3), 70)
    CustomerWeeklyCost.objects.all().update(cost_micro=999, through_wed=5)
    CustomerWeeklyRevenue.objects.all().delete()
    CustomerMonthlyRevenue.objects.all().update(amount_micro=1)
    call_command("rebuild_monthly_totals", "--org", org.public_id, stdout=io.StringIO())
    assert_cost_totals_follow_the_days(org)
    assert weekly_revenue(org) == {("cus_a", date(2026, 3, 30)): 70}
    assert_revenue_running_sums_follow_the_days(org)


@pytest.mark.postgres
def test_postgres_weekly_cost_rows_leave_room_for_hot_updates(requires_postgres):
    # Ingestion's trigger updates this week's rows all day, like the monthly ones.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'margins_customerweeklycost'")
        assert cursor.fetchone()[0] == ["fillfactor=70"]
