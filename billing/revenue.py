"""Revenue allocations and the daily table derived from them.

The invariant kept here: RevenueDaily(org, customer, day) is the sum of the RevenueAllocation
rows of that (org, customer, day), and a day without allocations (or summing to zero) has no
RevenueDaily row. Every write replaces the allocations of whole sources (one invoice, one credit
note) and then recomputes the (customer, month)s of the days those sources touched before and
after (a sync: once, after all its pages). Callers hold the org's revenue lock (`revenue_lock`)
inside one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import Model

from billing.bulk import insert_rows
from billing.models import RevenueAllocation, RevenueDaily, StripeConnection
from billing.recognition import DailyAllocation
from margint.fx.rates import display_rate
from margint.models import Organization

DayKey = tuple[int, date]  # (StripeCustomer pk, UTC day)


class RevenueLockLost(Exception):
    """The org's Stripe connection is gone (disconnected): no revenue may be written."""


def revenue_lock(*, org: Organization) -> StripeConnection:
    """Serialize revenue writes of one org (sync pages, webhooks, disconnect) on its connection row.

    Two writers recomputing the same day at once would otherwise both insert its RevenueDaily row.
    Must be called inside a transaction.
    """
    connection = StripeConnection.objects.select_for_update().filter(org=org).first()
    if connection is None:
        raise RevenueLockLost("Stripe is no longer connected for this organization.")
    return connection


@dataclass(frozen=True)
class SourceAllocations:
    source_type: str
    source_id: str
    allocations: tuple[DailyAllocation, ...]


def allocations_replace(
    *,
    org: Organization,
    sources: Iterable[SourceAllocations],
    customer_pks: Mapping[str, int],
    new_source_ids: Collection[str] = (),
) -> set[DayKey]:
    """Replace the allocations of each source; return the (customer, day)s touched, old and new.

    `new_source_ids`: sources without a mirror until now, hence without allocations (a source's
    allocations are written and deleted with its mirror): a first sync skips looking for them.
    """
    sources = list(sources)
    if not sources:
        return set()
    touched = _allocations_delete(org, [s.source_id for s in sources if s.source_id not in new_source_ids])
    rows = [row for source in sources for row in _allocation_rows(org.pk, source, customer_pks)]
    insert_rows(RevenueAllocation, _ALLOCATION_FIELDS, rows)
    touched.update(map(itemgetter(3, 4), rows))
    return touched


def _allocations_delete(org: Organization, source_ids: list[str]) -> set[DayKey]:
    """Delete the sources' allocations in one statement that answers the (customer, day)s they had."""
    if not source_ids:
        return set()
    placeholders = ", ".join(["%s"] * len(source_ids))
    sql = (
        f"DELETE FROM {_table(RevenueAllocation)} WHERE org_id = %s AND source_id IN ({placeholders})"  # noqa: S608
        " RETURNING stripe_customer_id, day"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_value(RevenueAllocation, "org", org.pk), *source_ids])
        return set(_day_keys(cursor.fetchall()))


_ALLOCATION_FIELDS = [
    "org",
    "source_type",
    "source_id",
    "stripe_customer",
    "day",
    "amount_micro",
    "original_micro",
    "currency",
    "rate_source",
    "rate",
]


def _allocation_rows(org_pk: Any, source: SourceAllocations, customer_pks: Mapping[str, int]) -> list[tuple]:
    """The rows of one source. Its allocations come from one document, so they share its
    currency and conversion: the rate is rendered once per document, not per row."""
    if not source.allocations:
        return []
    first = source.allocations[0]
    conversion, currency = first.conversion, first.currency
    rate_source = "" if conversion is None else conversion.source
    rate = None if conversion is None or conversion.rate is None else display_rate(conversion.rate)
    kind, source_id = source.source_type, source.source_id
    return [
        (
            org_pk,
            kind,
            source_id,
            customer_pks[allocation.stripe_customer_id],
            allocation.day,
            allocation.amount_micro,
            None if conversion is None else allocation.original_micro,
            currency,
            rate_source,
            rate,
        )
        for allocation in source.allocations
    ]


def revenue_daily_recompute(*, org: Organization, keys: set[DayKey] | None) -> set[DayKey]:
    """Make RevenueDaily equal the allocation sums over the months of `keys` (None: the whole
    org); return what changed.

    Set-based SQL, so that no row travels to Python and back: one upsert of the region's nonzero
    sums (changing only rows whose amount differs), then one delete of the rows whose sum fell to
    zero (an anti-join). The region is each touched (customer, month), runs of consecutive months
    joined into one day range; any other day inside it already equals its sum (the invariant),
    so recomputing it changes and returns nothing. A row to delete is at a touched day that the
    upsert did not write, so only those days are looked at: a first sync has none.
    """
    if keys is not None and not keys:
        return set()
    org_id = _db_value(RevenueDaily, "org", org.pk)
    with connection.cursor() as cursor:
        upserted = _statements_run(cursor, _upsert_sql, org_id, None if keys is None else _month_ranges(keys))
        doomed = None if keys is None else _day_ranges(keys - upserted)
        deleted = _statements_run(cursor, _delete_sql, org_id, doomed) if doomed != [] else set()
    return upserted | deleted


def _statements_run(cursor: Any, sql_of: Callable, org_id: Any, ranges: list[tuple] | None) -> set[DayKey]:
    """Run a statement over `ranges` of (customer, first day, day after) or, None, the whole org,
    in chunks of at most the backend's parameters (SQLite: 999); answer the days it wrote."""
    written: set[DayKey] = set()
    for chunk in _chunks(ranges):
        region = _region_parts(chunk, _table(RevenueDaily))
        sql, params = sql_of(region, org_id)
        cursor.execute(sql, params)
        written.update(_day_keys(cursor.fetchall()))
    return written


def _upsert_sql(region: tuple, org_id: Any) -> tuple[str, list[Any]]:
    values, _inside, params = region
    sql = f"""
        {"WITH " + values if values else ""}
        INSERT INTO {_table(RevenueDaily)} (org_id, stripe_customer_id, day, amount_micro) {_sums_sql(region)}
        ON CONFLICT (org_id, stripe_customer_id, day) DO UPDATE SET amount_micro = excluded.amount_micro
        WHERE {_table(RevenueDaily)}.amount_micro <> excluded.amount_micro
        RETURNING stripe_customer_id, day
    """  # noqa: S608 - table names from model metadata; values are parameters
    return sql, [*params, org_id]


def _delete_sql(region: tuple, org_id: Any) -> tuple[str, list[Any]]:
    values, inside, params = region
    daily = _table(RevenueDaily)
    sql = f"""
        WITH {values + "," if values else ""} sums AS ({_sums_sql(region)})
        DELETE FROM {daily} WHERE org_id = %s {inside} AND NOT EXISTS (
            SELECT 1 FROM sums
            WHERE sums.stripe_customer_id = {daily}.stripe_customer_id AND sums.day = {daily}.day
        )
        RETURNING stripe_customer_id, day
    """  # noqa: S608 - table names from model metadata; values are parameters
    return sql, [*params, org_id, org_id]


def _sums_sql(region: tuple) -> str:
    """The nonzero allocation sums per (customer, day) of the region."""
    join = f"JOIN region ON {_WITHIN.format(t='a')}" if region[0] else ""
    return f"""
        SELECT a.org_id, a.stripe_customer_id, a.day, SUM(a.amount_micro) AS amount_micro
        FROM {_table(RevenueAllocation)} AS a {join} WHERE a.org_id = %s
        GROUP BY a.org_id, a.stripe_customer_id, a.day HAVING SUM(a.amount_micro) <> 0
    """  # noqa: S608 - table names from model metadata; values are parameters


_WITHIN = (
    "{t}.stripe_customer_id = region.customer AND {t}.day >= region.first_day AND {t}.day < region.next_day"
)


def _region_parts(ranges: list[tuple] | None, daily: str) -> tuple[str, str, list[Any]]:
    """The region as SQL: a VALUES table of ranges, the daily rows' test against it, and its
    parameters; all empty for the whole org."""
    if ranges is None:
        return "", "", []
    values = ", ".join(["(%s, %s, %s)"] * len(ranges))
    return (
        f"region (customer, first_day, next_day) AS (VALUES {values})",
        f"AND EXISTS (SELECT 1 FROM region WHERE {_WITHIN.format(t=daily)})",  # noqa: S608 - no values
        [value for limits in ranges for value in limits],
    )


def _month_ranges(keys: set[DayKey]) -> list[tuple[int, Any, Any]]:
    """Each customer's touched months as day ranges [first day, day after), consecutive months
    joined: a first sync's customer is one range, a webhook's change one month."""
    ranges: list[list] = []
    for customer, first in sorted({(customer, day.replace(day=1)) for customer, day in keys}):
        following = (first + timedelta(days=31)).replace(day=1)
        if ranges and ranges[-1][0] == customer and ranges[-1][2] == first:
            ranges[-1][2] = following
        else:
            ranges.append([customer, first, following])
    return [(customer, _db_date(first), _db_date(following)) for customer, first, following in ranges]


def _day_ranges(keys: set[DayKey]) -> list[tuple[int, Any, Any]]:
    return [(customer, _db_date(day), _db_date(day + timedelta(days=1))) for customer, day in sorted(keys)]


def _chunks(ranges: list[tuple] | None) -> Iterable[list[tuple] | None]:
    """Ranges in statements of at most the backend's parameters (SQLite: 999), or the org whole."""
    if ranges is None:
        yield None
        return
    per_statement = min(_RANGES_PER_STATEMENT, ((connection.features.max_query_params or 65_535) - 2) // 3)
    for start in range(0, len(ranges), per_statement):
        yield ranges[start : start + per_statement]


_RANGES_PER_STATEMENT = 5_000


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _db_value(model: type[Model], field: str, value: Any) -> Any:
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def _db_date(day: date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _day_keys(rows: list[tuple]) -> list[tuple] | Iterable[DayKey]:
    # A first sync returns a row per day of revenue: convert only where the backend sends text.
    if not rows or isinstance(rows[0][1], date):
        return rows
    return ((customer, _as_date(day)) for customer, day in rows)


def _as_date(value: date | str) -> date:
    # SQLite answers raw queries with ISO strings; PostgreSQL with dates.
    return value if isinstance(value, date) else date.fromisoformat(value)


def months_of(keys: Iterable[DayKey]) -> set[tuple[int, str]]:
    """(customer, "YYYY-MM") periods of a set of day keys: what `periodsUpdated` counts."""
    # Formatted once per month, not per day: a first sync changes some 300,000 days.
    months = {(customer, day.year, day.month) for customer, day in keys}
    return {(customer, f"{year:04d}-{month:02d}") for customer, year, month in months}
