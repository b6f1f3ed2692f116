"""Cost and revenue per customer in consecutive ranges of days, from the kept totals: one statement each.

The v1 customer list needs, per customer, the cost of 15 ranges (the previous window and the
spark buckets) and the revenue of a few. Summing their daily rows reads 180 rows per customer;
here the days are cut at every range's ends, each slice is split into whole months, whole ISO
weeks and days at its ends (`day_pieces`), and each piece is one row of the monthly, weekly or
daily table: about 36 rows per customer for the 90-day list. One statement reads the pieces from
the three tables (UNION ALL), labels each row with its slice, and adds up each range's slices
per customer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import UUIDField

from billing.models import RevenueDaily, StripeCustomer
from margins.calculations.day_pieces import DAY, MONTH, WEEK, piece_starts
from margins.models import (
    Customer,
    CustomerDailyCost,
    CustomerMonthlyCost,
    CustomerMonthlyRevenue,
    CustomerWeeklyCost,
    CustomerWeeklyRevenue,
)
from margint.models import Organization


@dataclass(frozen=True)
class _Side:
    """Where one side's totals are: the table per grain, the key, the amount, and who the key names."""

    tables: dict[str, str]
    key: str
    amount: str
    names: str  # the table whose `id` the key is
    name: str  # the column of `names` the result is keyed by


_COST = _Side(
    {
        MONTH: CustomerMonthlyCost._meta.db_table,
        WEEK: CustomerWeeklyCost._meta.db_table,
        DAY: CustomerDailyCost._meta.db_table,
    },
    "customer_id",
    "cost_micro",
    Customer._meta.db_table,
    "external_id",
)
_REVENUE = _Side(
    {
        MONTH: CustomerMonthlyRevenue._meta.db_table,
        WEEK: CustomerWeeklyRevenue._meta.db_table,
        DAY: RevenueDaily._meta.db_table,
    },
    "stripe_customer_id",
    "amount_micro",
    StripeCustomer._meta.db_table,
    "stripe_id",
)


Ranges = Sequence[tuple[date, date]]


def cost_by_customer_ranges(
    *, org: Organization, ranges: Ranges, external_ids: Collection[str] | None = None
) -> dict[str, tuple[int, ...]]:
    """Cost per cost-side customer (external id) in each day range [start, end); ranges may overlap.

    Customers without a cost row in any range are absent; `external_ids` reads only those.
    """
    return _sums(_COST, org, ranges, external_ids)


def revenue_by_customer_ranges(
    *, org: Organization, ranges: Ranges, stripe_ids: Collection[str] | None = None
) -> dict[str, tuple[int, ...]]:
    """Recognized revenue per Stripe customer id in each day range [start, end); ranges may overlap.

    Stripe customers without a revenue row in any range are absent; `stripe_ids` reads only those.
    """
    return _sums(_REVENUE, org, ranges, stripe_ids)


def _sums(side: _Side, org: Organization, ranges: Ranges, names: Collection[str] | None) -> dict[str, tuple]:
    if not ranges or any(start >= end for start, end in ranges):
        raise ValueError("ranges must be non-empty day ranges")
    if names is not None and not names:
        return {}
    sql, params = _sums_sql(side, UUIDField().get_db_prep_value(org.pk, connection), ranges, names)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


# The statement is assembled from table and column names and placeholders; every value is a parameter.
def _sums_sql(side: _Side, org_id: object, ranges: Ranges, names: Collection[str] | None) -> tuple[str, list]:
    # The ranges cut into consecutive slices [edges[i], edges[i+1]); each range is a run of slices.
    edges = sorted({day for range_ in ranges for day in range_})
    inner = [edge.isoformat() for edge in edges[1:-1]]
    # The slice of a row, from its period's first day: a piece never straddles an edge.
    whens = " ".join(f"WHEN {{period}} < %s THEN {index}" for index in range(len(inner)))
    slice_ = f"CASE {whens} ELSE {len(inner)} END" if inner else "0"
    of_names, names_params = "", []
    if names is not None:
        of_names = f" AND {side.key} IN (SELECT id FROM {side.names} WHERE org_id = %s"
        of_names += f" AND {side.name} IN ({_in(names)}))"
        names_params = [org_id, *names]
    selects, params = [], []
    for grain, starts in piece_starts(edges).items():  # each table's period column is named after its grain
        if starts:
            selects.append(
                f"SELECT {side.key} AS key, {side.amount} AS amount, {slice_.format(period=grain)} AS slice "
                f"FROM {side.tables[grain]} WHERE org_id = %s AND {grain} IN ({_in(starts)}){of_names}"
            )
            params += [*inner, org_id, *(start.isoformat() for start in starts), *names_params]
    # CAST: PostgreSQL sums bigints as numeric, which would arrive as Decimals.
    sums = ", ".join(
        f"CAST(COALESCE(SUM(amount) FILTER ({_slices(edges, start, end)}), 0) AS BIGINT) AS r{index}"
        for index, (start, end) in enumerate(ranges)
    )
    # Named after adding up: joining the names first would join every piece row.
    sql = (
        f"SELECT n.{side.name}, {', '.join(f's.r{index}' for index in range(len(ranges)))} FROM ("
        f"SELECT key, {sums} FROM ({' UNION ALL '.join(selects)}) AS pieces GROUP BY key"
        f") AS s JOIN {side.names} n ON n.id = s.key"
    )
    return sql, params


def _slices(edges: list[date], start: date, end: date) -> str:
    first, last = edges.index(start), edges.index(end) - 1
    return f"WHERE slice = {first}" if first == last else f"WHERE slice BETWEEN {first} AND {last}"


def _in(values: Collection) -> str:
    return ", ".join(["%s"] * len(values))
