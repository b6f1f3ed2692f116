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
from functools import reduce
from operator import or_
from typing import Any

from django.db import connection
from django.db.models import Model, Q, Sum

from billing.models import RevenueAllocation, RevenueDaily, StripeConnection
from billing.recognition import DailyAllocation
from margint.models import Organization

DayKey = tuple[int, date]  # (StripeCustomer pk, UTC day)
_INSERT_BATCH = 5000


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
        )
        for source in sources
        for allocation in source.allocations
    ]
    _insert(
        RevenueAllocation, ["org", "source_type", "source_id", "stripe_customer", "day", "amount_micro"], rows
    )
    touched.update((row[3], row[4]) for row in rows)
    return touched


def revenue_daily_recompute(*, org: Organization, keys: set[DayKey]) -> set[DayKey]:
    """Make RevenueDaily equal the allocation sums for `keys`; return the keys whose value changed."""
    if not keys:
        return set()
    region = _region(keys)
    sums = {
        (customer, day): int(total)
        for customer, day, total in RevenueAllocation.objects.filter(region, org=org)
        .values_list("stripe_customer_id", "day")
        .annotate(total=Sum("amount_micro"))
        .values_list("stripe_customer_id", "day", "total")
    }
    current = {
        (customer, day): (pk, amount)
        for pk, customer, day, amount in RevenueDaily.objects.filter(region, org=org).values_list(
            "pk", "stripe_customer_id", "day", "amount_micro"
        )
    }
    upserts, deletions, changed = [], [], set()
    for key in keys:
        wanted = sums.get(key, 0)
        existing = current.get(key)
        if existing is not None and existing[1] == wanted:
            continue
        if wanted == 0:
            if existing is not None:
                deletions.append(existing[0])
                changed.add(key)
            continue
        upserts.append((org.pk, key[0], key[1], wanted))
        changed.add(key)
    RevenueDaily.objects.filter(pk__in=deletions).delete()
    _insert(
        RevenueDaily,
        ["org", "stripe_customer", "day", "amount_micro"],
        upserts,
        on_conflict=(["org", "stripe_customer", "day"], ["amount_micro"]),
    )
    return changed


def _insert(
    model: type[Model],
    fields: list[str],
    rows: list[tuple],
    *,
    on_conflict: tuple[list[str], list[str]] | None = None,
) -> None:
    """INSERT many rows with one prepared statement (optionally ON CONFLICT ... DO UPDATE).

    A first sync writes hundreds of thousands of allocation and daily rows; building a model
    instance per row costs several times the insert itself. Same SQL on PostgreSQL and SQLite.
    """
    if not rows:
        return
    opts = model._meta
    columns = [opts.get_field(name).column for name in fields]
    # Identifiers come from model metadata, quoted; every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        connection.ops.quote_name(opts.db_table),
        ", ".join(connection.ops.quote_name(column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    if on_conflict is not None:
        keys, updates = (
            [connection.ops.quote_name(opts.get_field(n).column) for n in names] for names in on_conflict
        )
        sql += " ON CONFLICT ({}) DO UPDATE SET {}".format(
            ", ".join(keys), ", ".join(f"{column} = EXCLUDED.{column}" for column in updates)
        )
    rows = _db_values(opts, fields, rows)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _INSERT_BATCH):
            cursor.executemany(sql, rows[start : start + _INSERT_BATCH])


_PLAIN_TYPES = {"BigIntegerField", "IntegerField", "CharField"}


def _db_values(opts: Any, fields: list[str], rows: list[tuple]) -> list[tuple]:
    """Each value as its field would send it (a UUID key, a date on SQLite), memoized per
    distinct value: the org and the days repeat across thousands of rows."""
    preparers = []
    for name in fields:
        field = opts.get_field(name)
        if field.get_internal_type() in _PLAIN_TYPES:
            preparers.append(None)
            continue
        prepared: dict[Any, Any] = {}

        def prepare(value: Any, field: Any = field, prepared: dict = prepared) -> Any:
            if value not in prepared:
                prepared[value] = field.get_db_prep_save(value, connection)
            return prepared[value]

        preparers.append(prepare)
    if all(preparer is None for preparer in preparers):
        return rows
    return [
        tuple(
            value if preparer is None else preparer(value)
            for preparer, value in zip(preparers, row, strict=True)
        )
        for row in rows
    ]


def _region(keys: set[DayKey]) -> Q:
    """Per customer, the day range spanning its keys: one indexed range scan each."""
    days: dict[int, list[date]] = defaultdict(list)
    for customer, day in keys:
        days[customer].append(day)
    ranges = (
        Q(stripe_customer_id=customer, day__gte=min(values), day__lte=max(values))
        for customer, values in days.items()
    )
    return reduce(or_, ranges)


def months_of(keys: Iterable[DayKey]) -> set[tuple[int, str]]:
    """(customer, "YYYY-MM") periods of a set of day keys: what `periodsUpdated` counts."""
    return {(customer, f"{day:%Y-%m}") for customer, day in keys}
