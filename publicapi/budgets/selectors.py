"""Budgets' reads: an org's budgets, and each with the month-to-date spend of what it covers.

Spend comes from totals the writers keep in their own transactions (margins.costs.selectors.
scope_spend_sql): the org's per-day feature totals for workspace and feature budgets, the
customer's daily rollups for customer budgets. The budgets and their spend are one statement,
whether for a check (the spend of the check's customer and feature) or for the budgets page and
the alerts (each budget's own). Each is a month of rows at most whatever the number of customers,
so nothing is cached and a status read after an ingest has been answered sees that ingest,
whatever the budget's scope.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import orjson
from django.db import connection

from margins.costs import selectors as cost_selectors
from margint.models import Organization
from publicapi.budgets import calculations
from publicapi.budgets.calculations import BudgetRule, BudgetStatus
from publicapi.budgets.models import Budget


def budgets_of(*, org: Organization) -> list[Budget]:
    return list(Budget.objects.filter(org=org))


def budget_get(*, org: Organization, budget_id: str) -> Budget | None:
    return Budget.objects.filter(org=org, pk=budget_id).first()


# Plain SQL on the check's hot path: building Budget instances (and decoding their JSON field)
# costs it more than the query. The check reads the rules and the spend of every scope in one
# statement: a round trip is most of what a check costs. The page and the alerts read each budget
# with its own spend, in one statement too.
_RULE_COLUMNS = (
    "b.id, b.scope, b.customer_external_id, b.feature, b.monthly_limit_micro, b.action, b.thresholds"
)
# The spend of a budget's scope, of the sums of scope_spend_sql (as `s`).
_SPENT_OF_SCOPE = (
    f"CASE b.scope WHEN '{calculations.WORKSPACE}' THEN s.org_total "
    f"WHEN '{calculations.FEATURE}' THEN s.org_feature "
    f"WHEN '{calculations.CUSTOMER}' THEN s.customer_total ELSE s.customer_feature END"
)
# The check's: the sums of its customer and feature, read once for every budget.
_RULES_WITH_SPEND_SQL = f"""
SELECT {_RULE_COLUMNS}, {_SPENT_OF_SCOPE}
FROM {Budget._meta.db_table} AS b
CROSS JOIN ({cost_selectors.scope_spend_sql("%(customer)s", "%(feature)s")}) AS s
WHERE b.org_id = %(org)s ORDER BY b.created_at, b.id
"""  # noqa: S608 (the models' tables, the scopes' names)


def _rules_with_own_spend_sql(which: str) -> str:
    """Budgets (`which`: a condition on them, or none) each with the spend of its own scope, the
    sums of `scope_spend_sql` of its customer and feature."""
    return f"""
SELECT {_RULE_COLUMNS}, (
  SELECT {_SPENT_OF_SCOPE}
  FROM ({cost_selectors.scope_spend_sql("b.customer_external_id", "b.feature")}) AS s
)
FROM {Budget._meta.db_table} AS b
WHERE b.org_id = %(org)s {which}
ORDER BY b.created_at, b.id
"""  # noqa: S608 (the models' tables, the scopes' names)


_OF_ORG = _rules_with_own_spend_sql("")
# The workspace's and every feature's budgets (no customer named), and the customer's own.
_OF_CUSTOMER = _rules_with_own_spend_sql("AND b.customer_external_id IN ('', %(customer)s)")


def budget_statuses(*, org: Organization, customer: str, feature: str, today: date) -> list[BudgetStatus]:
    """The budgets that a check for (customer, feature) must respect, each with its spend: the
    rules and the month-to-date spend of every scope in one statement."""
    start, end = calculations.month_to_date(today)
    params = cost_selectors.scope_spend_params(org, customer, feature, start, end)
    return [
        calculations.evaluate(rule, spent, today)
        for rule, spent in _rules_and_spend(_RULES_WITH_SPEND_SQL, params)
        if calculations.applies(rule, customer, feature)
    ]


def org_budget_statuses(*, org: Organization, today: date) -> list[BudgetStatus]:
    """Every budget of the org with the month-to-date spend of what it covers, in one statement."""
    return _own_statuses(_OF_ORG, org, "", today)


def customer_budget_statuses(*, org: Organization, customer: str, today: date) -> list[BudgetStatus]:
    """The budgets a check for this customer can apply, whatever feature it names: the workspace's,
    every feature's, and the customer's own (alone or with a feature), each with its spend."""
    return _own_statuses(_OF_CUSTOMER, org, customer, today)


def _own_statuses(sql: str, org: Organization, customer: str, today: date) -> list[BudgetStatus]:
    start, end = calculations.month_to_date(today)
    params = cost_selectors.scope_spend_params(org, customer, "", start, end)
    return [calculations.evaluate(rule, spent, today) for rule, spent in _rules_and_spend(sql, params)]


def _rules_and_spend(sql: str, params: dict) -> list[tuple[BudgetRule, int]]:
    """The rows of one of the statements above: each budget's rule and the spend of its scope."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(_rule(row[:7]), int(row[7])) for row in cursor.fetchall()]


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
