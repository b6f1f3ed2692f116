"""Each mapped tag value's revenue and cost per month, read over the monthly totals.

The margin table of 10,000 customers needs, per mapped tag value, its Stripe customer (named),
three months of recognized revenue and three of cost. The monthly totals (margins/monthly.py)
are kept by the writers in their own statements, so three statements read it all, at the same
time, each on a connection of its own (`margint.reads.read_aside`; one after another inside a
transaction): the mappings that count with their Stripe customers' names and pivoted monthly
revenue; the mapped tag values' pivoted monthly cost; the org's totals of the period for the
reconciliation. Each runs on a core of its own, and the request joins the cost to the revenue by
tag value in Python. Nothing is kept between requests.

`months` is an argument (oldest first, the period last), and so is `progress`: when the last
month is in progress, the revenue's and the totals' statements also read the revenue of its
counted days, the monthly row's running sum through the last counted day (`day_sums.through`), so
its revenue is that of the counted days, as its cost is (docs/month-in-progress.md), from the
same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import groupby
from operator import itemgetter

from django.db import connection

from billing.models import StripeCustomer
from mappings import selectors as mapping_selectors
from mappings.models import COUNTING_STATUSES, CustomerMapping
from margins.calculations import Month, MonthProgress
from margins.models import Customer, CustomerMonthlyCost, CustomerMonthlyRevenue
from margins.selectors.day_sums import REVENUE, through
from margint.models import Organization
from margint.reads import read_aside
from margint.sql import bigint_sum, uuid_param

# (tag value, lead Stripe customer id, its name or None, revenue per month, cost per month)
CustomerAmounts = tuple[str, str, str | None, tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class MappedAmounts:
    """The mapped tag values' amounts, and the org's totals of the last month (mapped or not).

    When the last month is in progress, its revenue (a customer's and the org's) is that of its
    counted days, and `whole` holds each tag value's revenue recognized for the whole month.
    """

    months: tuple[Month, ...]
    customers: list[CustomerAmounts]
    org_revenue: int
    org_cost: int
    whole: dict[str, int] | None = None


def mapped_month_amounts(
    *,
    org: Organization,
    months: Sequence[Month],
    tag_value: str | None = None,
    progress: MonthProgress | None = None,
    org_totals: bool = True,
) -> MappedAmounts:
    """Every mapped tag value (or the one named) with its amounts per month of `months`; three
    queries, run at once (two without `org_totals`; for one tag value, two one after the other:
    the org's totals then stay zeros).

    Several Stripe customers may map to one tag value (one company, two Stripe accounts): their
    revenue adds up in the row, which names the one with the most revenue in the last month,
    then the smallest id, so the same data always names the same one.

    `progress`: the last month's, when it is in progress; its revenue then counts its counted days.
    """
    months = tuple(months)
    org_id = uuid_param(org.pk)
    days = [month.first_day.isoformat() for month in months]
    read = _days_read(progress, months[-1])
    costs = totals = None
    if tag_value is None:  # beside the revenue's read, each on a connection of its own
        costs = read_aside(partial(_costs, org_id, days, None))
        totals = read_aside(partial(_org_totals, org_id, days[-1], read)) if org_totals else None
    with connection.cursor() as cursor:
        cursor.execute(*_revenue_sql(org_id, days, tag_value, read))
        rows = cursor.fetchall()
    cost = costs.result() if costs is not None else _costs(org_id, days, tag_value)
    customers, whole = _customers(rows, cost, len(days), read)
    org_revenue, org_cost = totals.result() if totals is not None else (0, 0)
    return MappedAmounts(
        months=months,
        customers=customers,
        org_revenue=org_revenue,
        org_cost=org_cost,
        whole=whole,
    )


def _costs(org_id: object, days: list[str], tag_value: str | None) -> dict[str, tuple[int, ...]]:
    """Each mapped tag value's cost per month of `days`, of those with any."""
    with connection.cursor() as cursor:
        cursor.execute(*_cost_sql(org_id, days, tag_value))
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _org_totals(org_id: object, month: str, read: tuple[date, date] | None) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(*_org_totals_sql(org_id, month, read))
        return tuple(int(amount or 0) for amount in cursor.fetchone())


def _days_read(progress: MonthProgress | None, last: Month) -> tuple[date, date] | None:
    """The counted days [first, end) of the month in progress, whose revenue is read (none yet
    before the month begins: first == end); None for a finished month."""
    if progress is None or not progress.is_partial:
        return None
    if progress.period != last:
        raise ValueError("the month in progress must be the last month read")
    return progress.period.first_day, progress.counted_end


def _customers(
    rows: list[tuple], costs: dict[str, tuple[int, ...]], count: int, read: tuple[date, date] | None
) -> tuple[list[CustomerAmounts], dict[str, int] | None]:
    """One CustomerAmounts per tag value (rows in tag order) with its `costs` (zeros without), and
    the month in progress's whole revenue."""
    if len(set(map(itemgetter(0), rows))) == len(rows):
        return _lone_customers(rows, costs, count, read)
    return _grouped_customers(rows, costs, count, read)


def _grouped_customers(
    rows: list[tuple], costs: dict[str, tuple[int, ...]], count: int, read: tuple[date, date] | None
) -> tuple[list[CustomerAmounts], dict[str, int] | None]:
    """`_customers` of any rows: a tag value's rows (its Stripe customers) add up (`_customer`)."""
    customers, whole, none = [], None if read is None else {}, (0,) * count
    for _tag, group in groupby(rows, key=itemgetter(0)):
        tag, stripe_id, name, revenue, days_revenue = _customer(list(group), count)
        if whole is not None:
            whole[tag] = revenue[-1]
            revenue = (*revenue[:-1], days_revenue)
        customers.append((tag, stripe_id, name, revenue, costs.get(tag, none)))
    return customers, whole


def _lone_customers(
    rows: list[tuple], costs: dict[str, tuple[int, ...]], count: int, read: tuple[date, date] | None
) -> tuple[list[CustomerAmounts], dict[str, int] | None]:
    """`_customers` when each tag value has one row (one Stripe customer), the common case: a row is
    its tag value's amounts as they are, with no group nor call per row (a table has 10,000)."""
    end, none, cost = 3 + count, (0,) * count, costs.get  # revenue: row[3:end]
    if read is None:
        return [(row[0], row[1], row[2] or None, row[3:end], cost(row[0], none)) for row in rows], None
    # In progress: the last month's revenue is the whole month's, the counted days' is the last column.
    whole = {row[0]: row[end - 1] for row in rows}
    customers = [
        (row[0], row[1], row[2] or None, (*row[3 : end - 1], row[-1]), cost(row[0], none)) for row in rows
    ]
    return customers, whole


def _customer(rows: list[tuple], count: int) -> tuple:
    # A row: tag, Stripe id, name, revenue per month..., revenue of the days read.
    if len(rows) > 1:
        rows.sort(key=lambda row: (-row[2 + count], row[1]))
        revenue = tuple(sum(row[3 + i] for row in rows) for i in range(count))
        days_revenue = sum(row[-1] for row in rows)
    else:
        revenue, days_revenue = rows[0][3 : 3 + count], rows[0][-1]
    lead = rows[0]
    return lead[0], lead[1], lead[2] or None, revenue, days_revenue


def _pivot(column: str, days: list[str]) -> tuple[str, list[str]]:
    # A (customer, month) has one monthly row (the unique constraint): MAX picks it, without the
    # numeric arithmetic of a SUM of bigints; COALESCE makes a month without a row a zero.
    picks = ", ".join(f"MAX({column}) FILTER (WHERE month = %s) AS m{i}" for i in range(len(days)))
    return picks, list(days)


def _counted(read: tuple[date, date] | None) -> str | None:
    """The monthly revenue column holding the counted days' revenue of the month in progress, or
    None when there is none to read (a finished month, or none counted yet)."""
    if read is None or read[0] >= read[1]:
        return None
    return through(REVENUE, read[0], (read[1] - read[0]).days)


def _in(days: list[str]) -> str:
    return ", ".join(["%s"] * len(days))


_MAPPINGS, _STRIPE = CustomerMapping._meta.db_table, StripeCustomer._meta.db_table
_CUSTOMERS = Customer._meta.db_table
_COST, _REVENUE = CustomerMonthlyCost._meta.db_table, CustomerMonthlyRevenue._meta.db_table


# The statements are assembled from table names and placeholders only; every value is a parameter.
def _revenue_sql(
    org_id: object, days: list[str], tag_value: str | None, read: tuple[date, date] | None
) -> tuple[str, list]:
    """The mappings that count (or the one tag value's), each with its Stripe customer's name and
    revenue per month, and the counted days' revenue of a month in progress (else 0), in tag order."""
    revenue_picks, revenue_params = _pivot("amount_micro", days)
    revenue_cols = ", ".join(f"COALESCE(r.m{i}, 0)" for i in range(len(days)))
    one_tag = revenue_of_tag = ""
    tag_params: list = []
    if tag_value is not None:  # only that tag's monthly rows are added up
        one_tag = " AND m.tag_value = %s"
        revenue_of_tag = (
            f" AND stripe_customer_id IN (SELECT s.id FROM {_STRIPE} s JOIN {_MAPPINGS} m"
            " ON m.org_id = s.org_id AND m.stripe_customer_id = s.stripe_id"
            " WHERE s.org_id = %s AND m.tag_value = %s)"
        )
        tag_params = [org_id, tag_value]
    read_col, counted = "0", _counted(read)
    if counted is not None:  # the month in progress: its counted days' revenue, from its own row
        revenue_picks += f", MAX({counted}) FILTER (WHERE month = %s) AS counted"
        revenue_params = [*revenue_params, days[-1]]
        read_col = "COALESCE(r.counted, 0)"
    mapped, mapped_params = _mapped(org_id)
    sql = (
        f"SELECT m.tag_value, m.stripe_customer_id, s.name, {revenue_cols}, {read_col} "
        f"FROM {_MAPPINGS} m "
        f"LEFT JOIN {_STRIPE} s ON s.org_id = m.org_id AND s.stripe_id = m.stripe_customer_id "
        f"LEFT JOIN (SELECT stripe_customer_id AS id, {revenue_picks} FROM {_REVENUE} "
        f"WHERE org_id = %s AND month IN ({_in(days)}){revenue_of_tag} GROUP BY stripe_customer_id) r "
        f"ON r.id = s.id WHERE {mapped}{one_tag} "
        # In tag order: rank_rows sorts by tag first, and an ordered list takes it no time.
        "ORDER BY m.tag_value, m.stripe_customer_id"
    )
    params = [*revenue_params, org_id, *days, *tag_params, *mapped_params]
    return sql, params + ([tag_value] if tag_value is not None else [])


def _cost_sql(org_id: object, days: list[str], tag_value: str | None) -> tuple[str, list]:
    """Each mapped tag value (or the one named) with any cost in `days`' months: its cost per month."""
    cost_picks, cost_params = _pivot("cost_micro", days)
    cost_cols = ", ".join(f"COALESCE(k.m{i}, 0)" for i in range(len(days)))
    of_tag, tag_params = "", []
    if tag_value is not None:  # only that tag's monthly rows are added up
        of_tag = f" AND customer_id IN (SELECT id FROM {_CUSTOMERS} WHERE org_id = %s AND external_id = %s)"
        tag_params = [org_id, tag_value]
    mapped, mapped_params = _mapped(org_id)
    sql = (
        f"SELECT c.external_id, {cost_cols} FROM {_CUSTOMERS} c "
        f"JOIN (SELECT customer_id AS id, {cost_picks} FROM {_COST} "
        f"WHERE org_id = %s AND month IN ({_in(days)}){of_tag} GROUP BY customer_id) k ON k.id = c.id "
        f"WHERE c.org_id = %s AND c.external_id IN (SELECT m.tag_value FROM {_MAPPINGS} m WHERE {mapped})"
    )
    return sql, [*cost_params, org_id, *days, *tag_params, org_id, *mapped_params]


def _mapped(org_id: object) -> tuple[str, list]:
    """The condition on the mappings (as `m`) that count in margins."""
    statuses = [str(status) for status in COUNTING_STATUSES]
    condition = f"m.org_id = %s AND m.tag_key = %s AND m.status IN ({_in(statuses)})"
    return condition, [org_id, mapping_selectors.MARGIN_TAG_KEY, *statuses]


def _org_totals_sql(org_id: object, month: str, read: tuple[date, date] | None) -> tuple[str, list]:
    """The org's revenue and cost of one month (its counted days' revenue when it is in progress),
    every Stripe and cost-side customer, mapped or not: what the reconciliation compares with."""
    # In progress: the counted days only (none before the month begins).
    column = "amount_micro" if read is None else _counted(read)
    revenue, revenue_params = "SELECT 0", []
    if column is not None:
        revenue = f"SELECT {bigint_sum(column)} FROM {_REVENUE} WHERE org_id = %s AND month = %s"
        revenue_params = [org_id, month]
    cost = f"SELECT {bigint_sum('cost_micro')} FROM {_COST} WHERE org_id = %s AND month = %s"
    return f"SELECT ({revenue}), ({cost})", [*revenue_params, org_id, month]
