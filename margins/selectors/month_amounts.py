"""Each mapped tag value's revenue and cost per month, read in one statement over the monthly totals.

The margin table of 10,000 customers needs, per mapped tag value, its Stripe customer (named),
three months of recognized revenue and three of cost. The monthly totals (margins/monthly.py)
are kept by the writers in their own statements, so one SQL statement joins the mappings that
count, the Stripe customers' names and the pivoted monthly rows, and a second one adds up the
org's totals per month for the reconciliation. Nothing is kept between requests.

`months` is an argument (oldest first, the period last), and so are the bounds of what is
counted: a caller that needs another window of days asks for it here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from django.db import connection
from django.db.models import UUIDField

from billing.models import StripeCustomer
from mappings import selectors as mapping_selectors
from mappings.models import COUNTING_STATUSES, CustomerMapping
from margins.calculations import Month
from margins.models import Customer, CustomerMonthlyCost, CustomerMonthlyRevenue
from margint.models import Organization

# (tag value, lead Stripe customer id, its name or None, revenue per month, cost per month)
CustomerAmounts = tuple[str, str, str | None, tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class MappedAmounts:
    """The mapped tag values' amounts, and the org's totals per month (mapped or not)."""

    months: tuple[Month, ...]
    customers: list[CustomerAmounts]
    org_revenue: tuple[int, ...]
    org_cost: tuple[int, ...]


def mapped_month_amounts(
    *, org: Organization, months: Sequence[Month], tag_value: str | None = None
) -> MappedAmounts:
    """Every mapped tag value (or the one named) with its amounts per month of `months`; two queries.

    Several Stripe customers may map to one tag value (one company, two Stripe accounts): their
    revenue adds up in the row, which names the one with the most revenue in the last month,
    then the smallest id, so the same data always names the same one.
    """
    months = tuple(months)
    org_id = UUIDField().get_db_prep_value(org.pk, connection)
    days = [_day(month) for month in months]
    totals = {}
    with connection.cursor() as cursor:
        cursor.execute(*_customers_sql(org_id, days, tag_value))
        rows = cursor.fetchall()
        if tag_value is None:  # one customer's read needs no org totals (they stay zeros)
            cursor.execute(*_org_totals_sql(org_id, days))
            totals = {(side, str(month)[:10]): int(amount) for side, month, amount in cursor.fetchall()}
    count = len(days)
    customers = [_customer(tag, list(group), count) for tag, group in groupby(rows, key=itemgetter(0))]
    return MappedAmounts(
        months=months,
        customers=customers,
        org_revenue=tuple(totals.get(("r", day), 0) for day in days),
        org_cost=tuple(totals.get(("c", day), 0) for day in days),
    )


def _day(month: Month) -> str:
    return month.first_day.isoformat()


def _customer(tag: str, rows: list[tuple], count: int) -> CustomerAmounts:
    # A row: tag, Stripe id, name, revenue per month..., cost per month...
    if len(rows) > 1:
        rows.sort(key=lambda row: (-(row[2 + count] or 0), row[1]))
    lead = rows[0]
    cost = tuple(int(amount or 0) for amount in lead[3 + count :])
    if len(rows) == 1:
        revenue = tuple(int(amount or 0) for amount in lead[3 : 3 + count])
    else:
        revenue = tuple(sum(int(row[3 + i] or 0) for row in rows) for i in range(count))
    return tag, lead[1], lead[2] or None, revenue, cost


def _pivot(column: str, days: list[str]) -> tuple[str, list[str]]:
    # CAST: PostgreSQL sums bigints as numeric, which would arrive as Decimals.
    sums = ", ".join(
        f"CAST(SUM({column}) FILTER (WHERE month = %s) AS BIGINT) AS m{i}" for i in range(len(days))
    )
    return sums, list(days)


def _in(days: list[str]) -> str:
    return ", ".join(["%s"] * len(days))


_MAPPINGS, _STRIPE = CustomerMapping._meta.db_table, StripeCustomer._meta.db_table
_CUSTOMERS = Customer._meta.db_table
_COST, _REVENUE = CustomerMonthlyCost._meta.db_table, CustomerMonthlyRevenue._meta.db_table


# The statements are assembled from table names and placeholders only; every value is a parameter.
def _customers_sql(org_id: object, days: list[str], tag_value: str | None) -> tuple[str, list]:
    revenue_sums, revenue_params = _pivot("amount_micro", days)
    cost_sums, cost_params = _pivot("cost_micro", days)
    count = len(days)
    revenue_cols = ", ".join(f"r.m{i}" for i in range(count))
    cost_cols = ", ".join(f"k.m{i}" for i in range(count))
    statuses = [str(status) for status in COUNTING_STATUSES]
    one_tag = revenue_of_tag = cost_of_tag = ""
    tag_params: list = []
    if tag_value is not None:  # only that tag's monthly rows are added up
        one_tag = " AND m.tag_value = %s"
        revenue_of_tag = (
            f" AND stripe_customer_id IN (SELECT s.id FROM {_STRIPE} s JOIN {_MAPPINGS} m"
            " ON m.org_id = s.org_id AND m.stripe_customer_id = s.stripe_id"
            " WHERE s.org_id = %s AND m.tag_value = %s)"
        )
        cost_of_tag = (
            f" AND customer_id IN (SELECT id FROM {_CUSTOMERS} WHERE org_id = %s AND external_id = %s)"
        )
        tag_params = [org_id, tag_value]
    sql = (
        f"SELECT m.tag_value, m.stripe_customer_id, s.name, {revenue_cols}, {cost_cols} FROM {_MAPPINGS} m "
        f"LEFT JOIN {_STRIPE} s ON s.org_id = m.org_id AND s.stripe_id = m.stripe_customer_id "
        f"LEFT JOIN (SELECT stripe_customer_id AS id, {revenue_sums} FROM {_REVENUE} "
        f"WHERE org_id = %s AND month IN ({_in(days)}){revenue_of_tag} GROUP BY stripe_customer_id) r "
        "ON r.id = s.id "
        f"LEFT JOIN {_CUSTOMERS} c ON c.org_id = m.org_id AND c.external_id = m.tag_value "
        f"LEFT JOIN (SELECT customer_id AS id, {cost_sums} FROM {_COST} "
        f"WHERE org_id = %s AND month IN ({_in(days)}){cost_of_tag} GROUP BY customer_id) k ON k.id = c.id "
        f"WHERE m.org_id = %s AND m.tag_key = %s AND m.status IN ({_in(statuses)}){one_tag} "
        "ORDER BY m.tag_value, m.stripe_customer_id"
    )
    params = [
        *revenue_params,
        org_id,
        *days,
        *tag_params,
        *cost_params,
        org_id,
        *days,
        *tag_params,
        org_id,
        mapping_selectors.MARGIN_TAG_KEY,
        *statuses,
    ]
    return sql, params + ([tag_value] if tag_value is not None else [])


def _org_totals_sql(org_id: object, days: list[str]) -> tuple[str, list]:
    sql = (
        f"SELECT 'c', month, CAST(SUM(cost_micro) AS BIGINT) FROM {_COST} "
        f"WHERE org_id = %s AND month IN ({_in(days)}) GROUP BY month UNION ALL "
        f"SELECT 'r', month, CAST(SUM(amount_micro) AS BIGINT) FROM {_REVENUE} "
        f"WHERE org_id = %s AND month IN ({_in(days)}) GROUP BY month"
    )
    return sql, [org_id, *days, org_id, *days]
