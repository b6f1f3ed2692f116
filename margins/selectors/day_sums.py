"""Cost and revenue per customer in ranges of days, from the monthly totals: one statement each.

The v1 customer list needs, per customer, the cost of 14 ranges (the previous window and the
spark buckets) and the revenue of three. Summing their daily rows reads 180 rows per customer.
Each monthly row also keeps its running sums through each day of its month, so the part of a
range in one month is one row (`month_parts`: through its last day less through the day before
its first), and every range touching a month reads the same row. One statement reads each month
once (UNION ALL, a branch per month whose row gives its part of every range) and adds up each
range per customer: the 180 days are 7 rows per customer, whatever the ranges.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection

from billing.models import StripeCustomer
from margins.calculations.month_parts import MonthPart, days_in, month_parts
from margins.models import RUNNING_SUMS, Customer, CustomerMonthlyCost, CustomerMonthlyRevenue
from margint.models import Organization
from margint.sql import bigint_sum, uuid_param


@dataclass(frozen=True)
class _Side:
    """Where one side's monthly totals are: the table, the key, the amount, and who the key names."""

    table: str
    key: str
    amount: str
    names: str  # the table whose `id` the key is
    name: str  # the column of `names` the result is keyed by


COST = _Side(
    CustomerMonthlyCost._meta.db_table, "customer_id", "cost_micro", Customer._meta.db_table, "external_id"
)
REVENUE = _Side(
    CustomerMonthlyRevenue._meta.db_table,
    "stripe_customer_id",
    "amount_micro",
    StripeCustomer._meta.db_table,
    "stripe_id",
)


Ranges = Sequence[tuple[date, date]]
# A range that does not touch a branch's month: typed, as UNION ALL needs its columns' types to
# match from the first branch on (an untyped NULL there would be text on PostgreSQL).
_NONE = "CAST(NULL AS bigint)"


def cost_by_customer_ranges(
    *, org: Organization, ranges: Ranges, external_ids: Collection[str] | None = None
) -> dict[str, tuple[int, ...]]:
    """Cost per cost-side customer (external id) in each day range [start, end); ranges may overlap.

    Customers without a monthly row in any month the ranges touch are absent; `external_ids`
    reads only those.
    """
    return _sums(COST, org, ranges, external_ids)


def revenue_by_customer_ranges(
    *, org: Organization, ranges: Ranges, stripe_ids: Collection[str] | None = None
) -> dict[str, tuple[int, ...]]:
    """Recognized revenue per Stripe customer id in each day range [start, end); ranges may overlap.

    Stripe customers without a monthly row in any month the ranges touch are absent; `stripe_ids`
    reads only those.
    """
    return _sums(REVENUE, org, ranges, stripe_ids)


def through(side: _Side, month: date, day: int) -> str:
    """The column holding a month's amount from its 1st through its `day`-th (1 to its last day)."""
    return side.amount if day >= days_in(month) else RUNNING_SUMS[day - 1]


def part_amount(side: _Side, part: MonthPart) -> str:
    """The SQL amount of a month's part, from the month's row: one column or the difference of two."""
    last = through(side, part.month, part.through)
    return last if part.after == 0 else f"{last} - {through(side, part.month, part.after)}"


def _sums(side: _Side, org: Organization, ranges: Ranges, names: Collection[str] | None) -> dict[str, tuple]:
    if not ranges or any(start >= end for start, end in ranges):
        raise ValueError("ranges must be non-empty day ranges")
    if names is not None and not names:
        return {}
    sql, params = _sums_sql(side, uuid_param(org.pk), ranges, names)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


# The statements are assembled from table and column names and placeholders; every value is a parameter.
def _sums_sql(side: _Side, org_id: object, ranges: Ranges, names: Collection[str] | None) -> tuple[str, list]:
    of_names, names_params = "", []
    if names is not None:
        of_names = f" AND {side.key} IN (SELECT id FROM {side.names} WHERE org_id = %s"
        of_names += f" AND {side.name} IN ({', '.join(['%s'] * len(names))}))"
        names_params = [org_id, *names]
    # Each range's part of each month it touches, by month: {month: {range index: part}}.
    parts: dict[date, dict[int, MonthPart]] = {}
    for index, (start, end) in enumerate(ranges):
        for part in month_parts(start, end):
            parts.setdefault(part.month, {})[index] = part
    branches, params = [], []
    columns = [f"r{index}" for index in range(len(ranges))]
    for month in sorted(parts):
        amounts = ", ".join(
            f"{part_amount(side, parts[month][index]) if index in parts[month] else _NONE} AS {column}"
            for index, column in enumerate(columns)
        )
        branches.append(
            f"SELECT {side.key} AS key, {amounts} FROM {side.table} "
            f"WHERE org_id = %s AND month = %s{of_names}"
        )
        params += [org_id, month.isoformat(), *names_params]
    sums = ", ".join(f"COALESCE({bigint_sum(column)}, 0) AS {column}" for column in columns)
    # Named after adding up: joining the names first would join every monthly row.
    sql = (
        f"SELECT n.{side.name}, {', '.join(f's.{column}' for column in columns)} FROM ("
        f"SELECT key, {sums} FROM ({' UNION ALL '.join(branches)}) AS parts GROUP BY key"
        f") AS s JOIN {side.names} n ON n.id = s.key"
    )
    return sql, params
