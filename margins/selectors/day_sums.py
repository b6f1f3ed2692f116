"""Cost and revenue per customer in ranges of days, from the kept totals: one statement each.

The v1 customer list needs, per customer, the cost of 14 ranges (the previous window and the
spark buckets) and the revenue of a few. Summing their daily rows reads 180 rows per customer;
here the days are cut at every range's ends, each slice is split into whole months and ISO weeks
whole or in part (`day_pieces`), and each piece is one row of the monthly or weekly table (a
part of a week: the difference of two of its running sums): about 22 rows per customer for the
90-day cost and 21 for the revenue. One statement reads the pieces (UNION ALL, one branch per
table and part of week), labels each row with its slice, and adds up each range's slices per
customer. The margin table reads a month in progress's counted days with `pieces_sql` too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import UUIDField

from billing.models import StripeCustomer
from margins.calculations.day_pieces import MONTH, WEEK, slice_pieces
from margins.models import (
    RUNNING_SUMS,
    Customer,
    CustomerMonthlyCost,
    CustomerMonthlyRevenue,
    CustomerWeeklyCost,
    CustomerWeeklyRevenue,
)
from margint.models import Organization
from margint.sql import bigint_sum


@dataclass(frozen=True)
class _Side:
    """Where one side's totals are: the table per grain, the key, the amount, and who the key names."""

    tables: dict[str, str]
    key: str
    amount: str
    names: str  # the table whose `id` the key is
    name: str  # the column of `names` the result is keyed by


COST = _Side(
    {MONTH: CustomerMonthlyCost._meta.db_table, WEEK: CustomerWeeklyCost._meta.db_table},
    "customer_id",
    "cost_micro",
    Customer._meta.db_table,
    "external_id",
)
REVENUE = _Side(
    {MONTH: CustomerMonthlyRevenue._meta.db_table, WEEK: CustomerWeeklyRevenue._meta.db_table},
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
    return _sums(COST, org, ranges, external_ids)


def revenue_by_customer_ranges(
    *, org: Organization, ranges: Ranges, stripe_ids: Collection[str] | None = None
) -> dict[str, tuple[int, ...]]:
    """Recognized revenue per Stripe customer id in each day range [start, end); ranges may overlap.

    Stripe customers without a revenue row in any range are absent; `stripe_ids` reads only those.
    """
    return _sums(REVENUE, org, ranges, stripe_ids)


def _sums(side: _Side, org: Organization, ranges: Ranges, names: Collection[str] | None) -> dict[str, tuple]:
    if not ranges or any(start >= end for start, end in ranges):
        raise ValueError("ranges must be non-empty day ranges")
    if names is not None and not names:
        return {}
    sql, params = _sums_sql(side, UUIDField().get_db_prep_value(org.pk, connection), ranges, names)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


# The statements are assembled from table and column names and placeholders; every value is a parameter.
def _sums_sql(side: _Side, org_id: object, ranges: Ranges, names: Collection[str] | None) -> tuple[str, list]:
    # The ranges cut into consecutive slices [edges[i], edges[i+1]); each range is a run of slices.
    edges = sorted({day for range_ in ranges for day in range_})
    of_names, names_params = "", []
    if names is not None:
        of_names = f" AND {side.key} IN (SELECT id FROM {side.names} WHERE org_id = %s"
        of_names += f" AND {side.name} IN ({_in(names)}))"
        names_params = [org_id, *names]
    pieces, params = pieces_sql(side, org_id, edges, of_names, names_params)
    sums = ", ".join(
        f"COALESCE({bigint_sum('amount')} FILTER ({_slices(edges, start, end)}), 0) AS r{index}"
        for index, (start, end) in enumerate(ranges)
    )
    # Named after adding up: joining the names first would join every piece row.
    sql = (
        f"SELECT n.{side.name}, {', '.join(f's.r{index}' for index in range(len(ranges)))} FROM ("
        f"SELECT key, {sums} FROM ({pieces}) AS pieces GROUP BY key"
        f") AS s JOIN {side.names} n ON n.id = s.key"
    )
    return sql, params


def pieces_sql(
    side: _Side, org_id: object, edges: Sequence[date], where: str = "", where_params: Sequence = ()
) -> tuple[str, list]:
    """Rows (key, amount, slice): each customer's amount in each piece of the slices between
    `edges` (`day_pieces.slice_pieces`), read from the monthly and weekly totals in one UNION ALL.

    A branch per table and part of week [first, end): its amount is one column, or the difference
    of two running sums; its slice is a constant, or a CASE over the period when several slices
    read that part of different weeks. `where`: more conditions on the rows, with `where_params`.
    """
    branches: dict[tuple[str, int, int], dict[date, int]] = {}
    for piece, index in slice_pieces(edges):
        branches.setdefault((piece.grain, piece.first, piece.end), {})[piece.start] = index
    selects, params = [], []
    for (grain, first, end), slices in branches.items():
        amount = side.amount if grain == MONTH else _week_part(side.amount, first, end)
        slice_, slice_params = _slice_of(grain, slices)
        selects.append(
            f"SELECT {side.key} AS key, {amount} AS amount, {slice_} AS slice FROM {side.tables[grain]} "
            f"WHERE org_id = %s AND {grain} IN ({_in(slices)}){where}"
        )
        params += [*slice_params, org_id, *(start.isoformat() for start in slices), *where_params]
    return " UNION ALL ".join(selects), params


def _week_part(total: str, first: int, end: int) -> str:
    """The amount of weekdays [first, end) of a week row (0 = Monday): through end-1 less through first-1."""
    through = (None, *RUNNING_SUMS, total)  # through[k]: Monday to the k-th weekday; none before Monday
    return through[end] if first == 0 else f"{through[end]} - {through[first]}"


def _slice_of(grain: str, slices: dict[date, int]) -> tuple[str, list]:
    if len(set(slices.values())) == 1:
        return str(next(iter(slices.values()))), []
    whens = " ".join(f"WHEN %s THEN {index}" for index in slices.values())
    return f"CASE {grain} {whens} END", [start.isoformat() for start in slices]


def _slices(edges: list[date], start: date, end: date) -> str:
    first, last = edges.index(start), edges.index(end) - 1
    return f"WHERE slice = {first}" if first == last else f"WHERE slice BETWEEN {first} AND {last}"


def _in(values: Collection) -> str:
    return ", ".join(["%s"] * len(values))
