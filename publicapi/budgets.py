"""Budgets: create, list, delete, and the budget check integrators call before an LLM call.

The check is computed on every call, from totals the writers keep in their own transactions: the
org's per-day feature totals for workspace and feature budgets (margins' OrgFeatureDailyCost),
the customer's daily totals, and the customer's per-feature rollups. Each is a month of rows at
most whatever the number of customers, so nothing is cached and a check made after an ingest has
been answered sees that ingest, whatever the budget's scope. A check also hands its budgets'
crossings to the budget webhooks.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson
from django.utils import timezone

from margins.calculations import Month, micros_to_cents
from margins.costs import selectors as cost_selectors
from margint.fx.rates import convert_micro
from margint.fx.selectors import rate_book
from margint.models import Organization
from publicapi import budget_calc
from publicapi.budget_alerts import budget_alerts_emit
from publicapi.budget_calc import BudgetRule, BudgetStatus, status_json
from publicapi.models import Budget

# --- services -------------------------------------------------------------------------------


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


def budgets_of(*, org: Organization) -> list[Budget]:
    return list(Budget.objects.filter(org=org))


def budget_get(*, org: Organization, budget_id: str) -> Budget | None:
    return Budget.objects.filter(org=org, pk=budget_id).first()


def _rule(budget: Budget) -> BudgetRule:
    return BudgetRule(
        id=str(budget.pk),
        scope=budget.scope,
        customer=budget.customer_external_id,
        feature=budget.feature,
        limit=budget.monthly_limit_micro,
        action=budget.action,
        thresholds=tuple(budget.thresholds),
    )


# --- the check ------------------------------------------------------------------------------


def budget_check_json(
    *, org: Organization, customer: str, feature: str = "", now: datetime | None = None
) -> bytes:
    """The rendered check body for (customer, feature), computed now."""
    now = now or timezone.now()
    today = now.date()
    statuses = budget_statuses(org=org, customer=customer, feature=feature, today=today)
    budget_alerts_emit(org=org, statuses=statuses, month=Month.containing(today))
    return orjson.dumps(
        check_body(budget_calc.verdict(statuses), customer=customer, feature=feature, now=now)
    )


def budget_statuses(*, org: Organization, customer: str, feature: str, today: date) -> list[BudgetStatus]:
    """The budgets that a check for (customer, feature) must respect, each with its spend."""
    rules = [_rule(b) for b in budgets_of(org=org)]
    rules = [r for r in rules if budget_calc.applies(r, customer, feature)]
    spent = _month_to_date_spend(org, {r.scope for r in rules}, customer, feature, today)
    return [budget_calc.evaluate(rule, spent[rule.scope], today) for rule in rules]


def org_budget_statuses(*, org: Organization, today: date) -> list[BudgetStatus]:
    """Every budget of the org with the month-to-date spend of what it covers (one query each)."""
    return _statuses(org, [_rule(b) for b in budgets_of(org=org)], today)


def customer_budget_statuses(*, org: Organization, customer: str, today: date) -> list[BudgetStatus]:
    """The budgets a check for this customer can apply, whatever feature it names: the workspace's,
    every feature's, and the customer's own (alone or with a feature), each with its spend."""
    rules = [_rule(b) for b in budgets_of(org=org)]
    return _statuses(org, [r for r in rules if r.customer in ("", customer)], today)


def _statuses(org: Organization, rules: list[BudgetRule], today: date) -> list[BudgetStatus]:
    statuses = []
    for rule in rules:
        spent = _month_to_date_spend(org, {rule.scope}, rule.customer, rule.feature, today)
        statuses.append(budget_calc.evaluate(rule, spent[rule.scope], today))
    return statuses


def _month_to_date_spend(
    org: Organization, scopes: set[str], customer: str, feature: str, today: date
) -> dict[str, int]:
    """Month-to-date cost of each scope the applying budgets need, one query per scope."""
    start, end = budget_calc.month_to_date(today)
    return {scope: _spend_of(org, scope, customer, feature, start, end) for scope in scopes}


def _spend_of(org: Organization, scope: str, customer: str, feature: str, start: date, end: date) -> int:
    if scope == budget_calc.WORKSPACE:
        return cost_selectors.org_feature_cost(org=org, start=start, end=end)
    if scope == budget_calc.FEATURE:
        return cost_selectors.org_feature_cost(org=org, start=start, end=end, feature=feature)
    narrowed = {
        budget_calc.CUSTOMER: {"external_ids": [customer]},
        budget_calc.CUSTOMER_FEATURE: {"external_ids": [customer], "features": [feature]},
    }[scope]
    rows = cost_selectors.cost_by_customer_buckets(org=org, edges=(start, end), **narrowed)
    return sum(amounts[0] for amounts in rows.values())


def check_body(verdict: budget_calc.CheckVerdict, *, customer: str, feature: str, now: datetime) -> dict:
    body: dict[str, Any] = {"allowed": verdict.allowed}
    if not verdict.allowed:
        body["reason"] = budget_calc.REASON_EXCEEDED
        body["breaches"] = [status_json(s) for s in verdict.breaches]
    body["warnings"] = [status_json(s) for s in verdict.warnings]
    body["budgets"] = [status_json(s) for s in verdict.statuses]
    body["customer"] = customer
    body["feature"] = feature or None
    body["month"] = str(Month.containing(now.date()))
    body["checkedAt"] = now.isoformat().replace("+00:00", "Z")
    return body


def budget_json(budget: Budget) -> dict[str, Any]:
    return {
        "id": str(budget.pk),
        "scope": budget.scope,
        "customer": budget.customer_external_id or None,
        "feature": budget.feature or None,
        "monthlyLimitCents": micros_to_cents(budget.monthly_limit_micro),
        "action": budget.action,
        "thresholds": list(budget.thresholds),
        "createdAt": budget.created_at.isoformat().replace("+00:00", "Z"),
    }
