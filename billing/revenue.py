"""Revenue allocations and the daily table derived from them.

The invariant kept here: RevenueDaily(org, customer, day) is the sum of the RevenueAllocation
rows of that (org, customer, day), and a day without allocations (or summing to zero) has no
RevenueDaily row. Every write replaces the allocations of whole sources (one invoice, one credit
note) and then recomputes exactly the (customer, day)s those sources touched before and after.
Callers hold the org's revenue lock (`revenue_lock`) inside one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
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
    *, org: Organization, sources: Iterable[SourceAllocations], customer_pks: Mapping[str, int]
) -> set[DayKey]:
    """Replace the allocations of each source; return the (customer, day)s touched, old and new."""
    sources = list(sources)
    if not sources:
        return set()
    source_ids = [source.source_id for source in sources]
    old = RevenueAllocation.objects.filter(org=org, source_id__in=source_ids)
    touched: set[DayKey] = set(old.values_list("stripe_customer_id", "day"))
    old.delete()
    rows = [
        (
            org.pk,
            source.source_type,
            source.source_id,
            customer_pks[allocation.stripe_customer_id],
            allocation.day,
            allocation.amount_micro,
            *_conversion_columns(allocation),
        )
        for source in sources
        for allocation in source.allocations
    ]
    insert_rows(RevenueAllocation, _ALLOCATION_FIELDS, rows)
    touched.update((row[3], row[4]) for row in rows)
    return touched


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


def _conversion_columns(allocation: DailyAllocation) -> tuple:
    conversion = allocation.conversion
    if conversion is None:
        return (None, allocation.currency, "", None)
    rate = None if conversion.rate is None else display_rate(conversion.rate)
    return (allocation.original_micro, allocation.currency, conversion.source, rate)


def revenue_daily_recompute(*, org: Organization, keys: set[DayKey] | None) -> set[DayKey]:
    """Make RevenueDaily equal the allocation sums over the region of `keys` (None: the whole
    org); return what changed.

    Set-based SQL, so that no row travels to Python and back: an upsert of the nonzero sums
    (changing only rows whose amount differs), then a delete of rows whose sum became zero.
    The region is, per customer, the day range spanning its keys; any other day inside it
    already equals its sum (the invariant), so recomputing it changes and returns nothing.
    """
    if keys is not None and not keys:
        return set()
    daily, allocations = (_table(model) for model in (RevenueDaily, RevenueAllocation))
    region, region_params = _region_sql(keys) if keys is not None else ("1 = 1", [])
    org_id = _db_value(RevenueDaily, "org", org.pk)
    upsert = f"""
        INSERT INTO {daily} (org_id, stripe_customer_id, day, amount_micro)
        SELECT org_id, stripe_customer_id, day, SUM(amount_micro) FROM {allocations}
        WHERE org_id = %s AND ({region})
        GROUP BY org_id, stripe_customer_id, day HAVING SUM(amount_micro) <> 0
        ON CONFLICT (org_id, stripe_customer_id, day) DO UPDATE SET amount_micro = excluded.amount_micro
        WHERE {daily}.amount_micro <> excluded.amount_micro
        RETURNING stripe_customer_id, day
    """  # noqa: S608 - table names from model metadata; values are parameters
    delete = f"""
        DELETE FROM {daily} WHERE org_id = %s AND ({region}) AND COALESCE((
            SELECT SUM(a.amount_micro) FROM {allocations} AS a
            WHERE a.org_id = {daily}.org_id AND a.stripe_customer_id = {daily}.stripe_customer_id
            AND a.day = {daily}.day
        ), 0) = 0
        RETURNING stripe_customer_id, day
    """  # noqa: S608 - table names from model metadata; values are parameters
    changed: set[DayKey] = set()
    with connection.cursor() as cursor:
        for sql in (upsert, delete):
            cursor.execute(sql, [org_id, *region_params])
            changed.update((customer, _as_date(day)) for customer, day in cursor.fetchall())
    return changed


def _region_sql(keys: set[DayKey]) -> tuple[str, list[Any]]:
    """Per customer, the day range spanning its keys: one indexed range scan each."""
    days: dict[int, list[date]] = defaultdict(list)
    for customer, day in keys:
        days[customer].append(day)
    params: list[Any] = []
    for customer, values in sorted(days.items()):
        params += [customer, _db_date(min(values)), _db_date(max(values))]
    clause = " OR ".join(["(stripe_customer_id = %s AND day >= %s AND day <= %s)"] * len(days))
    return clause, params


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _db_value(model: type[Model], field: str, value: Any) -> Any:
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def _db_date(day: date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _as_date(value: date | str) -> date:
    # SQLite answers raw queries with ISO strings; PostgreSQL with dates.
    return value if isinstance(value, date) else date.fromisoformat(value)


def months_of(keys: Iterable[DayKey]) -> set[tuple[int, str]]:
    """(customer, "YYYY-MM") periods of a set of day keys: what `periodsUpdated` counts."""
    return {(customer, f"{day:%Y-%m}") for customer, day in keys}
