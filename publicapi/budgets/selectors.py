"""Budgets' reads: an org's budgets, and each with the month-to-date spend of what it covers.

Spend comes from totals the writers keep in their own transactions: the org's per-day feature
totals for workspace and feature budgets (margins' OrgFeatureDailyCost), the customer's daily
totals, and the customer's per-feature rollups. Each is a month of rows at most whatever the
number of customers, so nothing is cached and a status read after an ingest has been answered
sees that ingest, whatever the budget's scope.
"""

from __future__ import annotations

from datetime import date

from margins.costs import selectors as cost_selectors
from margint.models import Organization
from publicapi.budgets import calculations
from publicapi.budgets.calculations import BudgetRule, BudgetStatus
from publicapi.budgets.models import Budget


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


def budget_statuses(*, org: Organization, customer: str, feature: str, today: date) -> list[BudgetStatus]:
    """The budgets that a check for (customer, feature) must respect, each with its spend."""
    rules = [_rule(b) for b in budgets_of(org=org)]
    rules = [r for r in rules if calculations.applies(r, customer, feature)]
    spent = _month_to_date_spend(org, {r.scope for r in rules}, customer, feature, today)
    return [calculations.evaluate(rule, spent[rule.scope], today) for rule in rules]


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
        statuses.append(calculations.evaluate(rule, spent[rule.scope], today))
    return statuses


def _month_to_date_spend(
    org: Organization, scopes: set[str], customer: str, feature: str, today: date
) -> dict[str, int]:
    """Month-to-date cost of each scope the applying budgets need: one query for the org's scopes
    (workspace, feature), one for the customer's (customer, customer and feature)."""
    start, end = calculations.month_to_date(today)
    spent: dict[str, int] = {}
    if scopes & {calculations.WORKSPACE, calculations.FEATURE}:
        org_cost = cost_selectors.org_cost_with_feature(org=org, start=start, end=end, feature=feature)
        spent[calculations.WORKSPACE], spent[calculations.FEATURE] = org_cost.total, org_cost.feature
    if scopes & {calculations.CUSTOMER, calculations.CUSTOMER_FEATURE}:
        own = cost_selectors.customer_cost_with_feature(
            org=org, external_id=customer, start=start, end=end, feature=feature
        )
        spent[calculations.CUSTOMER], spent[calculations.CUSTOMER_FEATURE] = own.total, own.feature
    return spent
