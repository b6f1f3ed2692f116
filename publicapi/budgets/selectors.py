"""Budgets' reads: an org's budgets, and each with the month-to-date spend of what it covers.

Spend comes from totals the writers keep in their own transactions, one statement for all four
scopes (margins.costs.selectors.scope_spend): the org's per-day feature totals for workspace and
feature budgets, the customer's daily rollups for customer budgets. Each is a month of rows at
most whatever the number of customers, so nothing is cached and a status read after an ingest has
been answered sees that ingest, whatever the budget's scope.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import orjson
from django.db import connection

from margins.costs import selectors as cost_selectors
from margint.models import Organization
from margint.sql import uuid_param
from publicapi.budgets import calculations
from publicapi.budgets.calculations import BudgetRule, BudgetStatus
from publicapi.budgets.models import Budget


def budgets_of(*, org: Organization) -> list[Budget]:
    return list(Budget.objects.filter(org=org))


def budget_get(*, org: Organization, budget_id: str) -> Budget | None:
    return Budget.objects.filter(org=org, pk=budget_id).first()


# Plain SQL on the check's hot path: building Budget instances (and decoding their JSON field)
# costs it more than the query. The check reads the rules and the spend of every scope in one
# statement: a round trip is most of what a check costs.
_RULE_COLUMNS = (
    "b.id, b.scope, b.customer_external_id, b.feature, b.monthly_limit_micro, b.action, b.thresholds"
)
_RULES_SQL = f"""
SELECT {_RULE_COLUMNS} FROM {Budget._meta.db_table} AS b WHERE b.org_id = %s ORDER BY b.created_at, b.id
"""  # noqa: S608 (the model's table)
_RULES_WITH_SPEND_SQL = f"""
SELECT {_RULE_COLUMNS}, s.org_total, s.org_feature, s.customer_total, s.customer_feature
FROM {Budget._meta.db_table} AS b CROSS JOIN ({cost_selectors.SCOPE_SPEND_SQL}) AS s
WHERE b.org_id = %(org)s ORDER BY b.created_at, b.id
"""  # noqa: S608 (the models' tables)


def budget_rules(*, org: Organization) -> list[BudgetRule]:
    with connection.cursor() as cursor:
        cursor.execute(_RULES_SQL, [uuid_param(org.pk)])
        return [_rule(row) for row in cursor.fetchall()]


def budget_statuses(*, org: Organization, customer: str, feature: str, today: date) -> list[BudgetStatus]:
    """The budgets that a check for (customer, feature) must respect, each with its spend: the
    rules and the month-to-date spend of every scope in one statement."""
    start, end = calculations.month_to_date(today)
    params = cost_selectors.scope_spend_params(org, customer, feature, start, end)
    with connection.cursor() as cursor:
        cursor.execute(_RULES_WITH_SPEND_SQL, params)
        rows = cursor.fetchall()
    statuses = []
    for row in rows:
        rule = _rule(row[:7])
        if calculations.applies(rule, customer, feature):
            spent = _by_scope(cost_selectors.ScopeSpend(*map(int, row[7:])))
            statuses.append(calculations.evaluate(rule, spent[rule.scope], today))
    return statuses


def org_budget_statuses(*, org: Organization, today: date) -> list[BudgetStatus]:
    """Every budget of the org with the month-to-date spend of what it covers (one query each)."""
    return _statuses(org, budget_rules(org=org), today)


def customer_budget_statuses(*, org: Organization, customer: str, today: date) -> list[BudgetStatus]:
    """The budgets a check for this customer can apply, whatever feature it names: the workspace's,
    every feature's, and the customer's own (alone or with a feature), each with its spend."""
    rules = budget_rules(org=org)
    return _statuses(org, [r for r in rules if r.customer in ("", customer)], today)


def _statuses(org: Organization, rules: list[BudgetRule], today: date) -> list[BudgetStatus]:
    statuses = []
    for rule in rules:
        spent = _month_to_date_spend(org, rule.customer, rule.feature, today)
        statuses.append(calculations.evaluate(rule, spent[rule.scope], today))
    return statuses


def _month_to_date_spend(org: Organization, customer: str, feature: str, today: date) -> dict[str, int]:
    start, end = calculations.month_to_date(today)
    return _by_scope(
        cost_selectors.scope_spend(org=org, customer=customer, feature=feature, start=start, end=end)
    )


def _by_scope(spend: cost_selectors.ScopeSpend) -> dict[str, int]:
    return {
        calculations.WORKSPACE: spend.org,
        calculations.FEATURE: spend.org_feature,
        calculations.CUSTOMER: spend.customer,
        calculations.CUSTOMER_FEATURE: spend.customer_feature,
    }


def _rule(row: tuple) -> BudgetRule:
    pk, scope, customer, feature, limit, action, thresholds = row
    return BudgetRule(
        id=str(UUID(str(pk))),  # PostgreSQL gives a UUID, SQLite its 32 hex characters
        scope=scope,
        customer=customer,
        feature=feature,
        limit=int(limit),
        action=action,
        thresholds=tuple(orjson.loads(thresholds)),
    )
