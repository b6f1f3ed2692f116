"""Budget arithmetic: which budgets apply, thresholds, exceeded, spend rate, projected exhaustion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from publicapi.budgets.calculations import (
    BudgetRule,
    applies,
    evaluate,
    exhaustion_day,
    month_to_date,
    spend_rate,
    verdict,
)


def rule(scope="workspace", customer="", feature="", limit=1_000_000, action="block", thresholds=(80,)):
    return BudgetRule("b1", scope, customer, feature, limit, action, thresholds)


@pytest.mark.parametrize(
    ("budget", "customer", "feature", "expected"),
    [
        (rule(), "acme", "", True),
        (rule("customer", customer="acme"), "acme", "chat", True),
        (rule("customer", customer="acme"), "beta", "", False),
        (rule("feature", feature="chat"), "acme", "chat", True),
        (rule("feature", feature="chat"), "acme", "", False),
        (rule("feature", feature="chat"), "acme", "search", False),
        (rule("customer_feature", customer="acme", feature="chat"), "acme", "chat", True),
        (rule("customer_feature", customer="acme", feature="chat"), "acme", "", False),
        (rule("customer_feature", customer="acme", feature="chat"), "beta", "chat", False),
    ],
)
def test_which_budgets_apply_to_a_check(budget, customer, feature, expected):
    assert applies(budget, customer, feature) is expected


def test_month_to_date_runs_from_the_first_to_tomorrow():
    assert month_to_date(date(2026, 3, 18)) == (date(2026, 3, 1), date(2026, 3, 19))
    assert month_to_date(date(2026, 12, 31)) == (date(2026, 12, 1), date(2027, 1, 1))


def test_thresholds_are_crossed_on_exact_integers_not_on_the_rounded_percent():
    just_below = evaluate(rule(thresholds=(50, 80)), 799_999, date(2026, 3, 10))
    at = evaluate(rule(thresholds=(50, 80)), 800_000, date(2026, 3, 10))
    assert (just_below.percent, just_below.crossed) == (Decimal("80.00"), (50,))
    assert (at.percent, at.crossed, at.exceeded) == (Decimal("80.00"), (50, 80), False)


def test_reaching_the_limit_exceeds_it():
    status = evaluate(rule(), 1_000_000, date(2026, 3, 10))
    assert (status.exceeded, status.blocks, status.warns, status.percent) == (
        True,
        True,
        False,
        Decimal("100.00"),
    )


def test_an_exceeded_warn_budget_warns_and_never_blocks():
    status = evaluate(rule(action="warn"), 1_500_000, date(2026, 3, 10))
    assert (status.blocks, status.warns) == (False, True)


def test_spend_rate_is_month_to_date_over_elapsed_days_half_even():
    assert spend_rate(1_000_000, date(2026, 3, 4)) == 250_000
    assert spend_rate(5, date(2026, 3, 2)) == 2  # 2.5 → 2
    assert spend_rate(7, date(2026, 3, 2)) == 4  # 3.5 → 4


def test_exhaustion_within_the_month_after_it_or_already_passed():
    # 600 over 10 days is 60 a day: 400 left takes 7 days (6.7 rounded up).
    assert exhaustion_day(spent=600, limit=1_000, today=date(2026, 3, 10)) == date(2026, 3, 17)
    assert exhaustion_day(spent=300, limit=1_000, today=date(2026, 3, 10)) is None  # 03-34 is past March
    assert exhaustion_day(spent=1_000, limit=1_000, today=date(2026, 3, 10)) == date(2026, 3, 10)
    assert exhaustion_day(spent=0, limit=1_000, today=date(2026, 3, 10)) is None


def test_one_exceeded_block_budget_refuses_and_the_rest_still_warn():
    today = date(2026, 3, 10)
    blocked = evaluate(rule(), 2_000_000, today)
    warned = evaluate(rule(action="warn", thresholds=(50,)), 600_000, today)
    quiet = evaluate(rule(action="warn"), 100, today)
    result = verdict([blocked, warned, quiet])
    assert result.allowed is False
    assert result.breaches == (blocked,)
    assert result.warnings == (warned,)
    assert verdict([warned, quiet]).allowed is True
