"""margin_table: rows from mappings, cost and revenue, reconciled with the org's totals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import transaction

from margins.calculations import Month, SparkPoint, Tier
from margins.selectors import margin_customer_detail, margin_table
from margins.tests.factories import (
    StripeConnectionFactory,
    SyncRunFactory,
    add_cost,
    add_revenue,
    add_unconverted,
    map_tag,
)

M = 1_000_000
APR = Month(2026, 4)
AS_OF = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)
# April over: every day of it counts (the month in progress is tested in test_month_in_progress).
AFTER_APRIL = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)


def rows_by_tag(report):
    return {row.tag_value: row for row in report.table.rows}


@pytest.fixture
def mixed_org(org, other_org):
    """Two Stripe customers on one tag, a plain mapping, an unmapped tag, an unmapped Stripe customer."""
    map_tag(org, "cus_acme_eu", "acme", name="Acme EU")
    map_tag(org, "cus_acme_us", "acme", name="Acme US")
    map_tag(org, "cus_beta", "beta", name="Beta")
    add_revenue(org, "cus_acme_eu", date(2026, 4, 2), 30 * M)
    add_revenue(org, "cus_acme_us", date(2026, 4, 9), 70 * M)
    add_cost(org, "acme", date(2026, 4, 3), 20 * M)
    add_cost(org, "acme", date(2026, 4, 4), 10 * M, model="gpt-4o-mini", feature="search")
    add_revenue(org, "cus_beta", date(2026, 4, 30), 10 * M)
    add_cost(org, "beta", date(2026, 4, 1), 15 * M)
    add_cost(org, "gamma-unmapped", date(2026, 4, 5), 4_000_123)
    add_revenue(org, "cus_nobody", date(2026, 4, 5), 2_500_007, name="Nobody Ltd")
    # Outside the month, and another org's identical tags: never in April's numbers.
    add_cost(org, "acme", date(2026, 5, 1), 99 * M)
    add_revenue(org, "cus_acme_us", date(2026, 3, 31), 1 * M)
    map_tag(other_org, "cus_acme_eu", "acme")
    add_cost(other_org, "acme", date(2026, 4, 3), 500 * M)
    add_revenue(other_org, "cus_acme_eu", date(2026, 4, 3), 500 * M)
    return org


def test_rows_add_up_revenue_of_every_stripe_customer_mapped_to_a_tag(mixed_org):
    report = margin_table(org=mixed_org, period=APR, as_of=AFTER_APRIL)
    assert [row.tag_value for row in report.table.rows] == ["beta", "acme"]
    acme = rows_by_tag(report)["acme"]
    assert (acme.revenue, acme.cost, acme.margin) == (100 * M, 30 * M, 70 * M)
    assert (acme.margin_percent, acme.health_tier) == (Decimal("70.00"), Tier.HEALTHY)
    # The row names the Stripe customer with the most revenue in the month.
    assert (acme.stripe_customer_id, acme.customer_name) == ("cus_acme_us", "Acme US")
    beta = rows_by_tag(report)["beta"]
    assert (beta.revenue, beta.cost, beta.margin_percent, beta.health_tier) == (
        10 * M,
        15 * M,
        Decimal("-50.00"),
        Tier.CRITICAL,
    )
    assert beta.budget_suggestion == 5 * M


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_reads_aside_give_the_same_table(requires_postgres, mixed_org):
    # As a request reads: no transaction, so the cost and the org's totals are read on connections
    # of their own while the revenue is read; inside one, all three run on the request's.
    outside = margin_table(org=mixed_org, period=APR, as_of=AFTER_APRIL)
    with transaction.atomic():
        inside = margin_table(org=mixed_org, period=APR, as_of=AFTER_APRIL)
    assert outside.table == inside.table and outside.reconciliation == inside.reconciliation
    rows = {row.tag_value: (row.revenue, row.cost) for row in outside.table.rows}
    assert rows == {"acme": (100 * M, 30 * M), "beta": (10 * M, 15 * M)}
    assert (outside.reconciliation.unattributed_cost, outside.reconciliation.unmatched_revenue) == (
        4_000_123,
        2_500_007,
    )


def test_rows_plus_unattributed_cost_plus_unmatched_revenue_equal_org_totals(mixed_org):
    report = margin_table(org=mixed_org, period=APR, as_of=AFTER_APRIL)
    summary, rec = report.table.summary, report.reconciliation
    assert (rec.unattributed_cost, rec.unmatched_revenue) == (4_000_123, 2_500_007)
    org_cost = 20 * M + 10 * M + 15 * M + 4_000_123
    org_revenue = 30 * M + 70 * M + 10 * M + 2_500_007
    assert summary.total_cost + rec.unattributed_cost == org_cost
    assert summary.total_revenue + rec.unmatched_revenue == org_revenue
    # Blended over the rows: (110 - 45) / 110 = 59.0909... -> 59.09.
    assert (summary.blended_margin_percent, summary.critical_count, summary.at_risk_count) == (
        Decimal("59.09"),
        1,
        0,
    )


def test_the_named_stripe_customer_is_the_smallest_id_when_revenue_ties(org):
    map_tag(org, "cus_b", "acme", name="B")
    map_tag(org, "cus_a", "acme", name="A")
    add_cost(org, "acme", date(2026, 4, 3), 5)
    row = margin_table(org=org, period=APR, as_of=AS_OF).table.rows[0]
    assert (row.stripe_customer_id, row.customer_name, row.revenue) == ("cus_a", "A", 0)
    assert row.health_tier is Tier.CRITICAL


def test_suggested_mappings_do_not_count_and_leave_their_cost_unattributed(org):
    map_tag(org, "cus_s", "maybe", status="suggested")
    map_tag(org, "cus_p", "pending", status="pending")
    add_cost(org, "maybe", date(2026, 4, 3), 8)
    add_revenue(org, "cus_s", date(2026, 4, 3), 9)
    add_cost(org, "pending", date(2026, 4, 3), 1)
    add_revenue(org, "cus_p", date(2026, 4, 3), 2)
    report = margin_table(org=org, period=APR, as_of=AS_OF)
    assert [row.tag_value for row in report.table.rows] == ["pending"]
    assert (report.reconciliation.unattributed_cost, report.reconciliation.unmatched_revenue) == (8, 9)


def test_sparkline_reads_the_two_months_before_and_projects(org):
    map_tag(org, "cus_a", "acme")
    for month, cost in ((2, 35), (3, 32), (4, 30)):
        add_revenue(org, "cus_a", date(2026, month, 10), 100 * M)
        add_cost(org, "acme", date(2026, month, 11), cost * M)
    row = margin_table(org=org, period=APR, as_of=AS_OF).table.rows[0]
    assert row.sparkline == (
        SparkPoint(Month(2026, 2), Decimal("65.00")),
        SparkPoint(Month(2026, 3), Decimal("68.00")),
        SparkPoint(APR, Decimal("70.00")),
        SparkPoint(Month(2026, 5), Decimal("72.67"), projected=True),
    )


def test_a_month_refunded_past_its_revenue_is_critical_and_does_not_break_the_table(org):
    map_tag(org, "cus_a", "acme")
    add_revenue(org, "cus_a", date(2026, 4, 1), 20 * M)
    add_revenue(org, "cus_a", date(2026, 4, 15), -50 * M)
    add_cost(org, "acme", date(2026, 4, 2), 1 * M)
    report = margin_table(org=org, period=APR, as_of=AS_OF)
    (row,) = report.table.rows
    assert (row.revenue, row.cost, row.margin, row.margin_percent, row.health_tier) == (
        -30 * M,
        1 * M,
        -31 * M,
        Decimal("0.00"),
        Tier.CRITICAL,
    )
    assert report.reconciliation.unmatched_revenue == 0


def test_period_defaults_to_the_utc_month_of_as_of(org):
    map_tag(org, "cus_a", "acme")
    add_cost(org, "acme", date(2026, 4, 30), 7)
    add_cost(org, "acme", date(2026, 5, 1), 9)
    late_april_utc = datetime(2026, 4, 30, 23, 30, tzinfo=UTC)
    assert margin_table(org=org, as_of=late_april_utc).table.period == APR
    assert margin_table(org=org, as_of=late_april_utc).table.rows[0].cost == 7


def test_sync_state_comes_with_the_report(org):
    connected_at = datetime(2026, 4, 5, 10, 0, tzinfo=UTC)
    StripeConnectionFactory(org=org, last_synced_at=connected_at)
    SyncRunFactory(org=org, stats={"skippedCurrencies": {"eur": 3}})
    add_unconverted(org, "cus_eu", date(2026, 4, 30), 12_500_000, "eur")
    add_unconverted(org, "cus_eu", date(2026, 4, 2), 500_000, "eur")
    add_unconverted(org, "cus_eu", date(2026, 5, 1), 9_000_000, "eur")  # another period
    sync = margin_table(org=org, period=APR, as_of=AS_OF).sync
    # The period's unconverted amounts, whatever the last sync counted.
    assert (sync.status, sync.last_sync_at, sync.skipped_currencies) == (
        "active",
        connected_at,
        {"eur": 13 * M},
    )


def test_org_thresholds_decide_the_tiers(org):
    org.healthy_threshold, org.moderate_threshold, org.at_risk_threshold = (
        Decimal(80),
        Decimal(60),
        Decimal(10),
    )
    org.save()
    map_tag(org, "cus_a", "acme")
    add_revenue(org, "cus_a", date(2026, 4, 1), 100)
    add_cost(org, "acme", date(2026, 4, 1), 30)
    row = margin_table(org=org, period=APR, as_of=AS_OF).table.rows[0]
    assert (row.margin_percent, row.health_tier) == (Decimal("70.00"), Tier.MODERATE)


def _customers(org, count: int) -> None:
    StripeConnectionFactory(org=org)
    for i in range(count):
        map_tag(org, f"cus_{i}", f"tag-{i}", name=f"Customer {i}")
        add_revenue(org, f"cus_{i}", date(2026, 4, 2), 100 + i)
        add_cost(org, f"tag-{i}", date(2026, 3, 2), 10 + i)
        add_cost(org, f"tag-{i}", date(2026, 4, 2), 20 + i)


@pytest.mark.parametrize("count", [3, 30])
def test_margin_table_reads_in_a_fixed_number_of_queries(org, count, django_assert_num_queries):
    _customers(org, count)
    # The mapped customers' monthly revenue, their monthly cost and the org's monthly totals (one
    # statement each; April is in progress on AS_OF: the revenue's and the totals' read its counted
    # days' revenue), then the sync state: the connection, its last successful run, whether one runs.
    with django_assert_num_queries(6):
        report = margin_table(org=org, period=APR, as_of=AS_OF)
    assert len(report.table.rows) == count


@pytest.mark.parametrize("count", [3, 30])
def test_customer_detail_reads_in_a_fixed_number_of_queries(org, count, django_assert_num_queries):
    _customers(org, count)
    # The customer's monthly revenue (with that of April's counted days: April is in progress on
    # AS_OF) and monthly cost; model and feature breakdowns.
    with django_assert_num_queries(4):
        detail = margin_customer_detail(org=org, tag_value="tag-1", period=APR, as_of=AS_OF)
    assert (detail.row.revenue, detail.row.cost) == (101, 21)


def test_detail_of_an_unmapped_or_foreign_tag_is_none(org, other_org):
    map_tag(other_org, "cus_x", "theirs")
    add_cost(org, "unmapped", date(2026, 4, 1), 5)
    assert margin_customer_detail(org=org, tag_value="unmapped", period=APR, as_of=AS_OF) is None
    assert margin_customer_detail(org=org, tag_value="theirs", period=APR, as_of=AS_OF) is None
