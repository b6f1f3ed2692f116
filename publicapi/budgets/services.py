"""Budgets' writes: create, delete, and the conversion of every limit when the reporting currency changes."""

from __future__ import annotations

from datetime import date

from margint.fx.rates import convert_micro
from margint.fx.selectors import rate_book
from margint.models import Organization
from publicapi.budgets.models import Budget


def budget_create(
    *,
    org: Organization,
    scope: str,
    monthly_limit_micro: int,
    action: str,
    customer: str = "",
    feature: str = "",
    thresholds: list[int] | None = None,
) -> Budget:
    budget = Budget(
        org=org,
        scope=scope,
        customer_external_id=customer,
        feature=feature,
        monthly_limit_micro=monthly_limit_micro,
        action=action,
        thresholds=sorted(set(thresholds)) if thresholds is not None else [80],
    )
    budget.full_clean()
    budget.save()
    return budget


def budget_delete(*, budget: Budget) -> None:
    budget.delete()


def budget_limits_convert(*, org: Organization, previous: str, today: date) -> int:
    """A change of reporting currency converts each limit at the rate of the day of the change
    (rounded once, half to even), so that "$100" does not become "€100". Returns how many changed;
    none when no rate links the two currencies (the limits are then left for an admin to set)."""
    rate = rate_book(currencies=(previous, org.reporting_currency), start=today, end=today).rate(
        previous, org.reporting_currency, today
    )
    budgets = list(Budget.objects.filter(org=org))
    if rate is None or not budgets:
        return 0
    for budget in budgets:
        budget.monthly_limit_micro = max(1, convert_micro(budget.monthly_limit_micro, rate))
    Budget.objects.bulk_update(budgets, ["monthly_limit_micro"])
    return len(budgets)
