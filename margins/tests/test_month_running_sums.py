"""The monthly totals and their running sums through each day stay equal to the sums of their
daily rows, whatever writes the days: ingestion, upserts, moves, deletes, a rebuild."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from django.core.management import call_command

from billing.models import RevenueDaily
from margins.costs.services import events_ingest
from margins.costs.tests.ingestion_helpers import event
from margins.models import RUNNING_SUMS, CustomerDailyCost, CustomerMonthlyCost, CustomerMonthlyRevenue
from margins.tests.factories import CostCustomerFactory, add_cost, add_revenue

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def month_of(day: date) -> date:
    return day.replace(day=1)


def cost_from_days(org) -> dict[tuple[str, date], tuple[int, int]]:
    """The daily cost rows added up by month: what the totals must hold."""
    sums: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    for ext, day, cost, requests in CustomerDailyCost.objects.filter(org=org).values_list(
        "customer__external_id", "day", "cost_micro", "request_count"
    ):
        total = sums[(ext, month_of(day))]
        total[0] += cost
        total[1] += requests
    return {key: tuple(total) for key, total in sums.items()}


def kept_cost(org) -> dict[tuple[str, date], tuple[int, int]]:
    rows = CustomerMonthlyCost.objects.filter(org=org).values_list(
        "customer__external_id", "month", "cost_micro", "request_count"
    )
    # Rows brought to zero by moves and deletes stay: they hold nothing.
    return {(ext, month): (cost, req) for ext, month, cost, req in rows if cost or req}


def running_from_days(days) -> dict[tuple[str, date], tuple[int, ...]]:
    """(key, day, amount) rows as each month's running sums, through its 1st to its 30th."""
    running: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0] * 30)
    for key, day, amount in days:
        sums = running[(key, month_of(day))]
        for through in range(day.day, 31):
            sums[through - 1] += amount
    return {key: tuple(sums) for key, sums in running.items() if any(sums)}


def kept_running(rows) -> dict[tuple[str, date], tuple[int, ...]]:
    return {(key, month): tuple(sums) for key, month, *sums in rows if any(sums)}


def running_of(rows, key: str, month: date) -> tuple[int, ...]:
    return next(tuple(sums) for who, first, *sums in rows if (who, first) == (key, month))


def running_cost(org):
    return CustomerMonthlyCost.objects.filter(org=org).values_list(
        "customer__external_id", "month", *RUNNING_SUMS
    )


def running_revenue(org):
    return CustomerMonthlyRevenue.objects.filter(org=org).values_list(
        "stripe_customer__stripe_id", "month", *RUNNING_SUMS
    )


def monthly_revenue(org) -> dict[tuple[str, date], int]:
    rows = CustomerMonthlyRevenue.objects.filter(org=org).values_list(
        "stripe_customer__stripe_id", "month", "amount_micro"
    )
    return {(sid, month): amount for sid, month, amount in rows if amount}


def assert_cost_totals_follow_the_days(org):
    assert kept_cost(org) == cost_from_days(org)
    days = CustomerDailyCost.objects.filter(org=org).values_list("customer__external_id", "day", "cost_micro")
    assert kept_running(running_cost(org)) == running_from_days(days)


def assert_revenue_running_sums_follow_the_days(org):
    days = RevenueDaily.objects.filter(org=org).values_list(
        "stripe_customer__stripe_id", "day", "amount_micro"
    )
    assert kept_running(running_revenue(org)) == running_from_days(days)


def test_ingested_events_add_up_per_month_and_day_of_the_month(org):
    at = [NOW - timedelta(days=k) for k in (0, 1, 2, 3, 9)]  # 4, 3, 2, 1 March, 23 February
    events = [
        event(
            now=moment + timedelta(hours=1), customer=name, costMicrodollars=100 + k, idempotencyKey=f"k{k}"
        )
        for k, (moment, name) in enumerate((m, n) for m in at for n in ("acme", "beta"))
    ]
    events_ingest(org=org, events=events, now=NOW)
    events_ingest(org=org, events=[event(now=NOW, customer="acme", idempotencyKey="again")], now=NOW)
    march = date(2026, 3, 1)
    assert kept_cost(org)[("acme", march)][0] == 100 + 102 + 104 + 106 + 1234
    # acme in March: 106 on the 1st, 104 on the 2nd, 102 on the 3rd, 100 and 1234 on the 4th.
    assert kept_running(running_cost(org))[("acme", march)][:5] == (106, 210, 312, 1646, 1646)
    assert_cost_totals_follow_the_days(org)


def test_a_bulk_upsert_moves_and_deletes_keep_months_exact(org):
    customer = CostCustomerFactory(org=org, external_id="acme")
    batch = [
        CustomerDailyCost(org=org, customer=customer, day=date(2026, 2, 28), cost_micro=5, request_count=1),
        CustomerDailyCost(org=org, customer=customer, day=date(2026, 3, 2), cost_micro=7, request_count=2),
    ]
    for _ in range(2):  # ingestion's shape of write: inserts new days, overwrites existing ones
        CustomerDailyCost.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["org", "customer", "day"],
            update_fields=["cost_micro", "request_count"],
        )
    assert kept_cost(org) == {("acme", date(2026, 2, 1)): (5, 1), ("acme", date(2026, 3, 1)): (7, 2)}
    # February's last day holds its total in every later column too (through its "29th" and "30th").
    assert kept_running(running_cost(org))[("acme", date(2026, 2, 1))] == (0,) * 27 + (5, 5, 5)
    CustomerDailyCost.objects.filter(org=org, day=date(2026, 2, 28)).update(day=date(2026, 3, 31))
    assert_cost_totals_follow_the_days(org)
    CustomerDailyCost.objects.filter(org=org, day=date(2026, 3, 2)).delete()
    assert kept_cost(org) == {("acme", date(2026, 3, 1)): (5, 1)}
    assert running_of(running_cost(org), "acme", date(2026, 3, 1)) == (0,) * 30  # the 31st: total only
    assert_cost_totals_follow_the_days(org)


def test_revenue_months_follow_daily_revenue_across_a_leap_day_and_a_new_year(org):
    add_revenue(org, "cus_a", date(2028, 2, 28), 300)
    add_revenue(org, "cus_a", date(2028, 2, 29), -500)  # a credit larger than the month so far
    add_revenue(org, "cus_a", date(2028, 2, 5), 90)
    add_revenue(org, "cus_a", date(2027, 12, 31), 7)
    add_revenue(org, "cus_a", date(2028, 1, 1), 4)
    assert monthly_revenue(org) == {
        ("cus_a", date(2028, 2, 1)): -110,
        ("cus_a", date(2027, 12, 1)): 7,
        ("cus_a", date(2028, 1, 1)): 4,
    }
    RevenueDaily.objects.filter(org=org, day=date(2028, 2, 5)).delete()
    assert monthly_revenue(org)[("cus_a", date(2028, 2, 1))] == -200
    assert_revenue_running_sums_follow_the_days(org)
    # 300 on the 28th, then the leap day's -500 in every later column.
    assert kept_running(running_revenue(org))[("cus_a", date(2028, 2, 1))] == (0,) * 27 + (300, -200, -200)
    assert running_of(running_revenue(org), "cus_a", date(2027, 12, 1)) == (0,) * 30  # the 31st alone
    assert kept_running(running_revenue(org))[("cus_a", date(2028, 1, 1))] == (4,) * 30


def test_rebuild_command_repairs_the_running_sums_too(org):
    add_cost(org, "acme", date(2026, 4, 3), 30)
    add_revenue(org, "cus_a", date(2026, 4, 3), 70)
    CustomerMonthlyCost.objects.all().update(cost_micro=999, through_05=5)
    CustomerMonthlyRevenue.objects.all().delete()
    call_command("rebuild_monthly_totals", "--org", org.public_id, stdout=io.StringIO())
    assert_cost_totals_follow_the_days(org)
    assert monthly_revenue(org) == {("cus_a", date(2026, 4, 1)): 70}
    assert_revenue_running_sums_follow_the_days(org)
