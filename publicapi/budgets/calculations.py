"""Budget arithmetic: which budgets apply, how far each is spent, the verdict. Pure: no ORM, no clock.

A budget's spend is the month-to-date cost of what it covers (UTC calendar month, today
included). A budget is exceeded once spend reaches its limit. Warning thresholds are whole
percent of the limit. The spend rate is month-to-date spend over the days elapsed, today
counting as a whole day, rounded half-even to the micro-unit; the projected exhaustion date is
the day the spend reaches the limit at that rate: today when it already has, none when the rate
is zero or the day falls after the month.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from margins.calculations import Month, micros_to_cents, round_percent

WORKSPACE = "workspace"
CUSTOMER = "customer"
FEATURE = "feature"
CUSTOMER_FEATURE = "customer_feature"
SCOPES = (WORKSPACE, CUSTOMER, FEATURE, CUSTOMER_FEATURE)
BLOCK = "block"
WARN = "warn"
ACTIONS = (WARN, BLOCK)
REASON_EXCEEDED = "monthly_limit_exceeded"


@dataclass(frozen=True)
class BudgetRule:
    id: str
    scope: str
    customer: str
    feature: str
    limit: int  # micro-units a month
    action: str
    thresholds: tuple[int, ...]


@dataclass(frozen=True)
class BudgetStatus:
    rule: BudgetRule
    spent: int
    percent: Decimal
    crossed: tuple[int, ...]  # thresholds reached, ascending
    exceeded: bool
    rate_per_day: int  # micro-units
    exhaustion: date | None

    @property
    def blocks(self) -> bool:
        return self.exceeded and self.rule.action == BLOCK

    @property
    def warns(self) -> bool:
        return not self.blocks and (self.exceeded or bool(self.crossed))


@dataclass(frozen=True)
class CheckVerdict:
    allowed: bool
    breaches: tuple[BudgetStatus, ...]
    warnings: tuple[BudgetStatus, ...]
    statuses: tuple[BudgetStatus, ...]


# scope -> (needs a customer, needs a feature)
_TARGETS = {
    WORKSPACE: (False, False),
    CUSTOMER: (True, False),
    FEATURE: (False, True),
    CUSTOMER_FEATURE: (True, True),
}


def target_problems(scope: str, customer: str, feature: str) -> dict[str, str]:
    """What a budget of this scope is missing or must not have: field name -> message."""
    wants_customer, wants_feature = _TARGETS[scope]
    problems = {}
    for name, value, wanted in (("customer", customer, wants_customer), ("feature", feature, wants_feature)):
        if wanted and not value:
            problems[name] = f"A {scope} budget needs a {name}."
        elif value and not wanted:
            problems[name] = f"A {scope} budget takes no {name}."
    return problems


def applies(rule: BudgetRule, customer: str, feature: str) -> bool:
    """Whether a check for (customer, feature) must respect the rule; feature "" means none given."""
    if rule.scope == WORKSPACE:
        return True
    if rule.scope == CUSTOMER:
        return rule.customer == customer
    if rule.scope == FEATURE:
        return bool(feature) and rule.feature == feature
    return bool(feature) and rule.customer == customer and rule.feature == feature


def month_to_date(today: date) -> tuple[date, date]:
    """[first day of today's month, tomorrow)."""
    return Month.containing(today).first_day, today + timedelta(days=1)


def spend_rate(spent: int, today: date) -> int:
    per_day = Decimal(spent) / today.day
    return int(per_day.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def exhaustion_day(*, spent: int, limit: int, today: date) -> date | None:
    if spent >= limit:
        return today
    if spent <= 0:
        return None
    # The least whole k with spent + k x spent / elapsed >= limit, in integers:
    # ceil((limit - spent) x elapsed / spent).
    days = -(-(limit - spent) * today.day // spent)
    # Compared in days before any date is built: a new customer's first cheap event, or a large
    # limit with little spent, puts the day past year 9999 and `date + timedelta` overflows.
    if days > calendar.monthrange(today.year, today.month)[1] - today.day:
        return None
    return today + timedelta(days=days)


def evaluate(rule: BudgetRule, spent: int, today: date) -> BudgetStatus:
    percent = round_percent(Decimal(spent) * 100 / Decimal(rule.limit))
    return BudgetStatus(
        rule=rule,
        spent=spent,
        percent=percent,
        crossed=tuple(t for t in sorted(rule.thresholds) if spent * 100 >= t * rule.limit),
        exceeded=spent >= rule.limit,
        rate_per_day=spend_rate(spent, today),
        exhaustion=exhaustion_day(spent=spent, limit=rule.limit, today=today),
    )


def verdict(statuses: Sequence[BudgetStatus]) -> CheckVerdict:
    """Every applying budget must hold: one exceeded block budget refuses the call."""
    breaches = tuple(s for s in statuses if s.blocks)
    warnings = tuple(s for s in statuses if s.warns)
    return CheckVerdict(not breaches, breaches, warnings, tuple(statuses))


def status_json(status: BudgetStatus) -> dict[str, Any]:
    rule = status.rule
    return {
        "budgetId": rule.id,
        "scope": rule.scope,
        "customer": rule.customer or None,
        "feature": rule.feature or None,
        "action": rule.action,
        "limitCents": micros_to_cents(rule.limit),
        "spentCents": micros_to_cents(status.spent),
        "percent": float(status.percent),
        "threshold": status.crossed[-1] if status.crossed else None,
        "exceeded": status.exceeded,
        "spendRateCentsPerDay": micros_to_cents(status.rate_per_day),
        "projectedExhaustionDate": status.exhaustion.isoformat() if status.exhaustion else None,
    }
