from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from margins.calculations import (
    CustomerMonthly,
    InvalidPeriod,
    MarginRow,
    MarginSummary,
    Month,
    MonthAmounts,
    PeriodAmounts,
    Reconciliation,
    SparkPoint,
    Tier,
    TierThresholds,
    budget_suggestion,
    build_sparkline,
    compute_customer_row,
    compute_margin_table,
    health_tier,
    margin_percent,
    micros_to_cents,
    micros_to_dollars,
    project_next,
    reconcile,
    revenue_over_time,
    tier_for_percent,
    tier_worsened,
)

FEB = Month(2026, 2)
MAR = Month(2026, 3)
APR = Month(2026, 4)
MAY = Month(2026, 5)
DEFAULT = TierThresholds()
M = 1_000_000  # one dollar in micro-units


def customer(tag: str, monthly: dict[Month, MonthAmounts]) -> CustomerMonthly:
    return CustomerMonthly(
        tag_value=tag,
        stripe_customer_id=f"cus_{tag}",
        customer_name=tag.title(),
        avatar_url=None,
        monthly=monthly,
    )


def in_april(tag: str, revenue: int, cost: int) -> CustomerMonthly:
    return customer(tag, {APR: MonthAmounts(revenue, cost)})


def row_for(monthly: dict[Month, MonthAmounts], thresholds: TierThresholds = DEFAULT) -> MarginRow:
    row = compute_customer_row(period=APR, customer=customer("acme", monthly), thresholds=thresholds)
    assert row is not None
    return row


def falling_then(feb: int, mar: int, apr: int) -> dict[Month, MonthAmounts]:
    """Months with revenue 100 and the cost that gives each margin percent."""
    return {month: MonthAmounts(100, 100 - pct) for month, pct in ((FEB, feb), (MAR, mar), (APR, apr))}


# Month


def test_parse_reads_year_and_month():
    assert Month.parse("2026-04") == Month(2026, 4)
    assert Month.parse("1999-12") == Month(1999, 12)


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "26-04",
        "abc",
        "2026-1",
        "2026-00",
        "0000-01",
        "2026-04-01",
        " 2026-04",
        "2026-04\n",
        "",
        None,
    ],
)
def test_parse_refuses_anything_but_a_real_yyyy_mm(text):
    with pytest.raises(InvalidPeriod):
        Month.parse(text)


def test_invalid_period_can_be_caught_as_a_value_error():
    with pytest.raises(ValueError, match="not a calendar month"):
        Month.parse("2026-13")


def test_month_prints_as_yyyy_mm():
    assert str(Month(2026, 4)) == "2026-04"
    assert str(Month(7, 1)) == "0007-01"


def test_previous_and_next_cross_year_boundaries():
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert Month(2025, 12).next() == Month(2026, 1)
    assert Month(2026, 6).previous() == Month(2026, 5)
    assert Month(2026, 6).next() == Month(2026, 7)


def test_months_are_ordered_chronologically():
    assert Month(2025, 12) < Month(2026, 1) < Month(2026, 2)


def test_bounds_are_half_open_first_days():
    assert Month(2024, 2).first_day == date(2024, 2, 1)
    assert Month(2024, 2).bounds == (date(2024, 2, 1), date(2024, 3, 1))
    assert Month(2025, 12).bounds == (date(2025, 12, 1), date(2026, 1, 1))


def test_months_back_ends_with_the_month_oldest_first():
    assert Month(2026, 2).months_back(3) == (Month(2025, 12), Month(2026, 1), Month(2026, 2))
    assert APR.months_back(1) == (APR,)
    with pytest.raises(ValueError, match="at least 1"):
        APR.months_back(0)


def test_containing_gives_the_month_of_a_date():
    assert Month.containing(date(2026, 4, 30)) == APR


# Margin percent


@pytest.mark.parametrize(
    ("revenue", "cost", "expected"),
    [
        (3, 2, "33.33"),  # 33.333...
        (3, 1, "66.67"),  # 66.666...
        (200_000, 175_310, "12.35"),  # exactly 12.345: tie rounds up
        (200_000, 199_990, "0.01"),  # exactly 0.005
        (200_000, 224_690, "-12.35"),  # exactly -12.345: tie rounds away from zero
        (100 * M, 30 * M, "70.00"),
        (100, 250, "-150.00"),
        (0, 5, "0.00"),
        (0, 0, "0.00"),
    ],
)
def test_margin_percent_rounds_to_two_decimals_half_up(revenue, cost, expected):
    assert str(margin_percent(revenue, cost)) == expected


# Tiers


@pytest.mark.parametrize(
    ("percent", "tier"),
    [
        ("50.00", Tier.HEALTHY),
        ("49.99", Tier.MODERATE),
        ("20.00", Tier.MODERATE),
        ("19.99", Tier.AT_RISK),
        ("0.00", Tier.AT_RISK),
        ("-0.01", Tier.CRITICAL),
    ],
)
def test_default_thresholds_are_inclusive_lower_bounds(percent, tier):
    assert tier_for_percent(Decimal(percent), DEFAULT) is tier


@pytest.mark.parametrize(
    ("revenue", "cost", "tier"),
    [
        (100, 50, Tier.HEALTHY),
        (100, 80, Tier.MODERATE),
        (100, 100, Tier.AT_RISK),
        (100, 101, Tier.CRITICAL),
        (0, 1, Tier.CRITICAL),
    ],
)
def test_health_tier_of_amounts(revenue, cost, tier):
    assert health_tier(MonthAmounts(revenue, cost), DEFAULT) is tier


def test_tier_is_judged_on_the_rounded_percent():
    # 99_990 / 200_000 = 49.995% shows as 50.00, so the badge says healthy too.
    assert health_tier(MonthAmounts(200_000, 100_010), DEFAULT) is Tier.HEALTHY


@pytest.mark.parametrize(
    ("percent", "tier"),
    [
        ("60.00", Tier.HEALTHY),
        ("55.00", Tier.MODERATE),
        ("30.00", Tier.MODERATE),
        ("-5.00", Tier.AT_RISK),
        ("-10.00", Tier.AT_RISK),
        ("-10.01", Tier.CRITICAL),
    ],
)
def test_custom_thresholds_move_the_boundaries(percent, tier):
    custom = TierThresholds(healthy=Decimal(60), moderate=Decimal(30), at_risk=Decimal(-10))
    assert tier_for_percent(Decimal(percent), custom) is tier


def test_thresholds_out_of_order_are_refused():
    with pytest.raises(ValueError, match="at_risk <= moderate <= healthy <= 100"):
        TierThresholds(healthy=Decimal(20), moderate=Decimal(50))
    with pytest.raises(ValueError, match="at_risk <= moderate <= healthy <= 100"):
        TierThresholds(healthy=Decimal(101))


@pytest.mark.parametrize(
    ("previous", "current", "worsened"),
    [
        (Tier.HEALTHY, Tier.MODERATE, True),
        (Tier.AT_RISK, Tier.CRITICAL, True),
        (Tier.HEALTHY, Tier.CRITICAL, True),
        (Tier.MODERATE, Tier.HEALTHY, False),
        (Tier.CRITICAL, Tier.CRITICAL, False),
    ],
)
def test_tier_worsened_follows_severity_not_alphabet(previous, current, worsened):
    assert tier_worsened(previous, current) is worsened


# Negative net revenue: a credit note larger than the month's invoices


def test_margin_percent_is_zero_for_negative_revenue_not_a_flipped_sign():
    # (-100 - 50) / -100 would read as +150 %.
    assert margin_percent(-100, 50) == Decimal("0.00")
    assert margin_percent(-100, 0) == Decimal("0.00")


@pytest.mark.parametrize(
    ("revenue", "cost"),
    [(-50 * M, 10 * M), (-1, 0), (0, 1)],
)
def test_a_month_without_positive_revenue_is_critical(revenue, cost):
    assert health_tier(MonthAmounts(revenue, cost), DEFAULT) is Tier.CRITICAL


def test_negative_revenue_row_keeps_its_money_and_reads_critical():
    monthly = {FEB: MonthAmounts(100, 40), MAR: MonthAmounts(100, 50), APR: MonthAmounts(-50 * M, 10 * M)}
    row = row_for(monthly)
    assert (row.revenue, row.cost, row.margin) == (-50 * M, 10 * M, -60 * M)
    assert row.margin_percent == Decimal("0.00")
    assert row.health_tier is Tier.CRITICAL
    # Points 60, 50, -100: (-120 + 50 - 400) / 3 = -470/3 = -156.666... -> -156.67.
    assert row.sparkline == (
        SparkPoint(FEB, Decimal("60.00")),
        SparkPoint(MAR, Decimal("50.00")),
        SparkPoint(APR, Decimal("-100.00")),
        SparkPoint(MAY, Decimal("-156.67"), projected=True),
    )
    assert row.budget_suggestion is None


def test_refund_without_cost_still_makes_a_row():
    row = row_for({APR: MonthAmounts(-3 * M, 0)})
    assert (row.revenue, row.cost, row.margin, row.health_tier) == (-3 * M, 0, -3 * M, Tier.CRITICAL)


def test_table_with_a_net_refund_sums_it_and_blends_on_the_rest():
    customers = [in_april("refunded", -40 * M, 5 * M), in_april("fine", 100 * M, 20 * M)]
    table = compute_margin_table(period=APR, customers=customers, thresholds=DEFAULT)
    assert [row.tag_value for row in table.rows] == ["refunded", "fine"]
    # Revenue 60M, cost 25M: 35/60 = 58.333... -> 58.33.
    assert table.summary == MarginSummary(Decimal("58.33"), 60 * M, 25 * M, 1, 0)


def test_blended_margin_is_zero_when_refunds_outweigh_revenue():
    table = compute_margin_table(period=APR, customers=[in_april("x", -40, 5)], thresholds=DEFAULT)
    assert table.summary == MarginSummary(Decimal("0.00"), -40, 5, 1, 0)


# Sparkline and projection


def test_sparkline_is_three_months_then_a_least_squares_projection():
    # Line through (0,65),(1,68),(2,70): slope (70-65)/2 = 2.5, mean 203/3,
    # at x=3: 203/3 + 2.5*2 = 218/3 = 72.666... -> 72.67.
    row = row_for(falling_then(65, 68, 70))
    assert row.sparkline == (
        SparkPoint(FEB, Decimal("65.00")),
        SparkPoint(MAR, Decimal("68.00")),
        SparkPoint(APR, Decimal("70.00")),
        SparkPoint(MAY, Decimal("72.67"), projected=True),
    )
    assert str(row.sparkline[-1].margin_percent) == "72.67"


def test_month_without_revenue_or_cost_is_omitted_and_stops_the_projection():
    monthly = {FEB: MonthAmounts(100, 40), MAR: MonthAmounts(0, 0), APR: MonthAmounts(100, 30)}
    assert row_for(monthly).sparkline == (
        SparkPoint(FEB, Decimal("60.00")),
        SparkPoint(APR, Decimal("70.00")),
    )
    del monthly[MAR]
    assert len(row_for(monthly).sparkline) == 2


def test_projection_goes_through_the_rounded_points():
    # Points 33.33, 66.67, 100.00: (-2*33.33 + 66.67 + 4*100) / 3 = 400.01/3 = 133.336... -> 133.34.
    # Through the unrounded 100/3 and 200/3 it would be 400/3 -> 133.33.
    monthly = {FEB: MonthAmounts(3, 2), MAR: MonthAmounts(3, 1), APR: MonthAmounts(100, 0)}
    assert row_for(monthly).sparkline[-1] == SparkPoint(MAY, Decimal("133.34"), projected=True)


def test_project_next_needs_two_points():
    assert project_next([Decimal(10), Decimal(20)]) == Decimal("30.00")
    with pytest.raises(ValueError, match="at least two points"):
        project_next([Decimal(10)])


def test_sparkline_for_december_projects_into_january():
    monthly = {
        Month(2025, 10): MonthAmounts(100, 50),
        Month(2025, 11): MonthAmounts(100, 50),
        Month(2025, 12): MonthAmounts(100, 50),
    }
    points = build_sparkline(period=Month(2025, 12), monthly=monthly)
    assert points[-1] == SparkPoint(Month(2026, 1), Decimal("50.00"), projected=True)


def test_projected_drop_into_a_worse_tier_is_flagged():
    # 60, 56, 52: (-120 + 56 + 208) / 3 = 48 -> moderate, worse than healthy.
    row = row_for(falling_then(60, 56, 52))
    assert row.health_tier is Tier.HEALTHY
    assert row.sparkline[-1].margin_percent == Decimal("48.00")
    assert row.projected_tier_worsening is True


def test_projected_fall_below_at_risk_is_critical_and_flagged():
    # 10, 5, 2: (-20 + 5 + 8) / 3 = -7/3 = -2.333... -> -2.33, critical.
    row = row_for(falling_then(10, 5, 2))
    assert row.health_tier is Tier.AT_RISK
    assert row.sparkline[-1].margin_percent == Decimal("-2.33")
    assert row.projected_tier_worsening is True


def test_projected_rise_into_a_better_tier_is_not_flagged():
    # 10, 15, 19: (-20 + 15 + 76) / 3 = 71/3 = 23.67 -> moderate, better than at risk.
    row = row_for(falling_then(10, 15, 19))
    assert row.health_tier is Tier.AT_RISK
    assert row.sparkline[-1].margin_percent == Decimal("23.67")
    assert row.projected_tier_worsening is False


def test_projected_drop_within_the_same_tier_is_not_flagged():
    # 90, 80, 70: (-180 + 80 + 280) / 3 = 60 -> still healthy.
    row = row_for(falling_then(90, 80, 70))
    assert row.sparkline[-1].margin_percent == Decimal("60.00")
    assert row.projected_tier_worsening is False


def test_no_projection_means_no_worsening_flag():
    row = row_for({APR: MonthAmounts(100, 99)})
    assert row.sparkline == (SparkPoint(APR, Decimal("1.00")),)
    assert row.projected_tier_worsening is False


# A customer with cost and no revenue


def test_cost_without_revenue_is_critical_at_zero_percent_and_minus_100_on_the_sparkline():
    # Points 60, 30, -100: (-120 + 30 - 400) / 3 = -490/3 = -163.33; still critical.
    monthly = {FEB: MonthAmounts(100, 40), MAR: MonthAmounts(100, 70), APR: MonthAmounts(0, 5 * M)}
    row = row_for(monthly)
    assert (row.revenue, row.cost, row.margin) == (0, 5 * M, -5 * M)
    assert row.margin_percent == Decimal("0.00")
    assert row.health_tier is Tier.CRITICAL
    assert row.sparkline == (
        SparkPoint(FEB, Decimal("60.00")),
        SparkPoint(MAR, Decimal("30.00")),
        SparkPoint(APR, Decimal("-100.00")),
        SparkPoint(MAY, Decimal("-163.33"), projected=True),
    )
    assert row.projected_tier_worsening is False
    assert row.budget_suggestion is None


# Budget suggestion


def test_budget_suggestion_brings_a_critical_customer_back_to_healthy():
    row = row_for({APR: MonthAmounts(100 * M, 120 * M)})
    assert row.health_tier is Tier.CRITICAL
    assert row.budget_suggestion == 50 * M
    # At that cost the margin is exactly the healthy threshold.
    assert health_tier(MonthAmounts(100 * M, row.budget_suggestion), DEFAULT) is Tier.HEALTHY


def test_budget_suggestion_uses_the_org_healthy_threshold():
    custom = TierThresholds(healthy=Decimal(60), moderate=Decimal(30), at_risk=Decimal(0))
    assert row_for({APR: MonthAmounts(100 * M, 120 * M)}, custom).budget_suggestion == 40 * M


@pytest.mark.parametrize(("revenue", "expected"), [(333, 166), (335, 168), (1, 0), (3, 2)])
def test_budget_suggestion_rounds_half_even_to_the_micro_unit(revenue, expected):
    # 333 * 0.5 = 166.5 -> 166; 335 * 0.5 = 167.5 -> 168; 0.5 -> 0; 1.5 -> 2.
    assert budget_suggestion(revenue=revenue, tier=Tier.CRITICAL, thresholds=DEFAULT) == expected


@pytest.mark.parametrize("tier", [Tier.HEALTHY, Tier.MODERATE, Tier.AT_RISK])
def test_no_budget_suggestion_unless_critical(tier):
    assert budget_suggestion(revenue=100 * M, tier=tier, thresholds=DEFAULT) is None


def test_at_risk_row_has_no_budget_suggestion():
    assert row_for({APR: MonthAmounts(100, 100)}).budget_suggestion is None


# Table and summary


def test_documented_example_row():
    row = row_for(
        {
            FEB: MonthAmounts(100 * M, 35 * M),
            MAR: MonthAmounts(100 * M, 32 * M),
            APR: MonthAmounts(100 * M, 30 * M),
        }
    )
    assert row == MarginRow(
        tag_value="acme",
        stripe_customer_id="cus_acme",
        customer_name="Acme",
        avatar_url=None,
        revenue=100 * M,
        cost=30 * M,
        margin=70 * M,
        margin_percent=Decimal("70.00"),
        health_tier=Tier.HEALTHY,
        sparkline=(
            SparkPoint(FEB, Decimal("65.00")),
            SparkPoint(MAR, Decimal("68.00")),
            SparkPoint(APR, Decimal("70.00")),
            SparkPoint(MAY, Decimal("72.67"), projected=True),
        ),
        projected_tier_worsening=False,
        budget_suggestion=None,
    )


def test_rows_are_worst_margin_first_with_ties_by_margin_then_tag():
    customers = [
        in_april("a", 200, 100),  # 50%, margin 100: after b and c despite its tag
        in_april("c", 100, 50),  # 50%, margin 50
        in_april("e", 100, 100),  # 0%, margin 0
        in_april("b", 100, 50),  # 50%, margin 50
        in_april("f", 0, 10),  # 0%, margin -10: before e despite its tag
        in_april("d", 100, 120),  # -20%
    ]
    table = compute_margin_table(period=APR, customers=customers, thresholds=DEFAULT)
    assert [row.tag_value for row in table.rows] == ["d", "f", "e", "b", "c", "a"]
    # Sum revenue 600, cost 430: 170/600 = 28.333...; critical d and f; at risk e.
    assert table.summary == MarginSummary(
        blended_margin_percent=Decimal("28.33"),
        total_revenue=600,
        total_cost=430,
        critical_count=2,
        at_risk_count=1,
    )


def test_customers_without_revenue_or_cost_in_the_period_are_left_out():
    customers = [
        in_april("active", 100, 10),
        in_april("zeroes", 0, 0),
        customer("march-only", {MAR: MonthAmounts(100, 10)}),
    ]
    table = compute_margin_table(period=APR, customers=customers, thresholds=DEFAULT)
    assert [row.tag_value for row in table.rows] == ["active"]
    assert compute_customer_row(period=APR, customer=customers[2], thresholds=DEFAULT) is None


def test_blended_margin_matches_the_documented_summary():
    # (500M - 287.5M) / 500M = 42.5%.
    customers = [in_april("acme", 100 * M, 30 * M), in_april("beta", 400 * M, 257_500_000)]
    summary = compute_margin_table(period=APR, customers=customers, thresholds=DEFAULT).summary
    assert summary.blended_margin_percent == Decimal("42.50")
    assert (summary.total_revenue, summary.total_cost) == (500 * M, 287_500_000)
    assert (summary.critical_count, summary.at_risk_count) == (0, 0)


def test_blended_margin_is_zero_without_revenue():
    table = compute_margin_table(period=APR, customers=[in_april("x", 0, 10)], thresholds=DEFAULT)
    assert table.summary == MarginSummary(Decimal("0.00"), 0, 10, 1, 0)


def test_empty_table_has_a_zero_summary():
    table = compute_margin_table(period=APR, customers=[], thresholds=DEFAULT)
    assert table.rows == ()
    assert table.summary == MarginSummary(Decimal("0.00"), 0, 0, 0, 0)


def test_a_tag_value_may_appear_once():
    with pytest.raises(ValueError, match="only once"):
        compute_margin_table(
            period=APR, customers=[in_april("a", 1, 0), in_april("a", 2, 0)], thresholds=DEFAULT
        )


# Reconciliation, detail series, money


def test_reconcile_subtracts_table_totals_from_org_totals():
    summary = MarginSummary(Decimal("42.50"), 500 * M, 287_500_000, 0, 0)
    assert reconcile(summary, org_revenue=600 * M, org_cost=300 * M) == Reconciliation(
        unattributed_cost=12_500_000, unmatched_revenue=100 * M
    )
    assert reconcile(summary, org_revenue=500 * M, org_cost=280 * M) == Reconciliation(
        unattributed_cost=-7_500_000, unmatched_revenue=0
    )


def test_revenue_over_time_is_six_months_with_zeros_for_gaps():
    monthly = {FEB: MonthAmounts(90, 25), APR: MonthAmounts(100, 30), MAY: MonthAmounts(1, 1)}
    assert revenue_over_time(period=APR, monthly=monthly) == (
        PeriodAmounts(Month(2025, 11), 0, 0),
        PeriodAmounts(Month(2025, 12), 0, 0),
        PeriodAmounts(Month(2026, 1), 0, 0),
        PeriodAmounts(FEB, 90, 25),
        PeriodAmounts(MAR, 0, 0),
        PeriodAmounts(APR, 100, 30),
    )


@pytest.mark.parametrize(
    ("micros", "dollars"),
    [
        (0, "0.00"),
        (100 * M, "100.00"),
        (1_234_567, "1.23"),
        (1_235_000, "1.24"),  # tie, 4 is even
        (1_225_000, "1.22"),  # tie, 2 is even
        (5_000, "0.00"),
        (15_000, "0.02"),
        (-4_000, "0.00"),  # not "-0.00"
        (-1_235_000, "-1.24"),
    ],
)
def test_micros_to_dollars_for_csv(micros, dollars):
    assert micros_to_dollars(micros) == dollars


@pytest.mark.parametrize(
    ("micros", "cents"),
    [
        (0, 0),
        (5_000, 0),
        (15_000, 2),
        (25_000, 2),
        (1_234_567, 123),
        (123_456_789, 12_346),
        (-15_000, -2),
    ],
)
def test_micros_to_cents_rounds_half_even(micros, cents):
    assert micros_to_cents(micros) == cents
