"""Rollups from scratch and the proof that they equal the raw events.

Ingestion keeps rollups current with increments (store.Writer.rollups_add). These two functions
are for operators: `rebuild_rollups` recomputes them from the events, `check_rollups` compares.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import TruncDate

from margins.costs.currency import PRICE_CURRENCY, converted_cost, converts, day_rates
from margins.costs.store import DAILY_SUMS, ROLLUP_SUMS
from margins.models import CostEvent, Customer, CustomerDailyCost, DailyRollup
from margint.fx.models import CurrencyRebuild
from margint.fx.services import rebuild_is_current, rebuild_part_done, rebuild_part_finish, rebuild_part_total
from margint.models import Organization

logger = logging.getLogger(__name__)

ROLLUP_KEY = ("customer_id", "day", "feature", "model", "provider")
DAILY_KEY = ("customer_id", "day")
# pg_advisory_xact_lock(namespace, org): ingestion holds it shared, a rebuild exclusively.
ADVISORY_NAMESPACE = 3_0001


def org_lock(org_id, *, exclusive: bool) -> None:
    """On PostgreSQL, wait for (and then hold until commit) the org's rollup lock."""
    if connection.vendor != "postgresql":
        return  # SQLite runs one writing transaction at a time anyway
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [ADVISORY_NAMESPACE, org_id.int & 0x7FFFFFFF])


def _raw_rollups(org: Organization, since: date | None):
    events = CostEvent.objects.filter(org=org)
    if since is not None:
        events = events.filter(occurred_at__gte=datetime.combine(since, time(0), tzinfo=UTC))
    return (
        events.annotate(day=TruncDate("occurred_at", tzinfo=UTC))
        .values(*ROLLUP_KEY)
        .annotate(
            cost_sum=Sum("cost_micro"),
            count=Count("id"),
            unpriced=Sum(
                Case(When(priced=False, then=Value(1)), default=Value(0), output_field=IntegerField())
            ),
            input_sum=Sum("input_tokens"),
            output_sum=Sum("output_tokens"),
            cached_sum=Sum("cached_input_tokens"),
        )
        .order_by()
    )


def _raw_sums(row: dict) -> tuple[int, ...]:
    return (
        row["cost_sum"],
        row["count"],
        row["unpriced"],
        row["input_sum"],
        row["output_sum"],
        row["cached_sum"],
    )


def _rollup_sums(org: Organization, since: date | None) -> Iterator[tuple[tuple, tuple[int, ...]]]:
    """(rollup key, sums) from the raw events; costs in the reporting currency (see currency)."""
    if not converts(org.reporting_currency):
        for row in _raw_rollups(org, since).iterator(chunk_size=5000):
            yield tuple(row[k] for k in ROLLUP_KEY), _raw_sums(row)
        return
    yield from _converted_rollup_sums(org, since)


def _converted_rollup_sums(org: Organization, since: date | None) -> Iterator[tuple[tuple, tuple[int, ...]]]:
    # Each event converted on its own (the rule ingestion follows), so this reads every event of
    # the range: a rebuild after a change of currency, not a path pages take.
    events = CostEvent.objects.filter(org=org)
    if since is not None:
        events = events.filter(occurred_at__gte=datetime.combine(since, time(0), tzinfo=UTC))
    rows = events.annotate(day=TruncDate("occurred_at", tzinfo=UTC)).values_list(
        *ROLLUP_KEY, "cost_micro", "priced", "input_tokens", "output_tokens", "cached_input_tokens"
    )
    days = events.annotate(day=TruncDate("occurred_at", tzinfo=UTC)).values_list("day", flat=True).distinct()
    rates = day_rates(reporting_currency=org.reporting_currency, days=days.order_by())
    sums: dict[tuple, list[int]] = {}
    for *key, cost, priced, tokens_in, tokens_out, cached in rows.order_by().iterator(chunk_size=5000):
        total = sums.setdefault(tuple(key), [0] * 6)
        values = (converted_cost(cost, rates[key[1]]), 1, 0 if priced else 1, tokens_in, tokens_out, cached)
        for index, value in enumerate(values):
            total[index] += value
    for key, total in sums.items():
        yield key, tuple(total)


@dataclass(frozen=True)
class RebuildResult:
    org: str
    rollups: int
    daily_totals: int


@transaction.atomic
def rollups_rebuild(*, org: Organization, since: date | None = None) -> RebuildResult:
    """Replace the org's rollups (all, or from `since` on) with sums of its raw events."""
    org_lock(org.pk, exclusive=True)
    day_filter = Q(day__gte=since) if since is not None else Q()
    DailyRollup.objects.filter(day_filter, org=org).delete()
    CustomerDailyCost.objects.filter(day_filter, org=org).delete()
    rollups, daily = [], {}
    for key, sums in _rollup_sums(org, since):
        fields = {**dict(zip(ROLLUP_KEY, key, strict=True)), **dict(zip(ROLLUP_SUMS, sums, strict=True))}
        rollups.append(DailyRollup(org=org, **fields))
        total = daily.setdefault((key[0], key[1]), [0, 0])
        total[0] += sums[0]
        total[1] += sums[1]
    DailyRollup.objects.bulk_create(rollups, batch_size=2000)
    CustomerDailyCost.objects.bulk_create(
        [
            CustomerDailyCost(org=org, customer_id=c, day=d, cost_micro=cost, request_count=count)
            for (c, d), (cost, count) in daily.items()
        ],
        batch_size=2000,
    )
    return RebuildResult(org=org.public_id, rollups=len(rollups), daily_totals=len(daily))


@dataclass(frozen=True)
class Mismatch:
    org: str
    table: str  # "daily_rollup", "customer_daily_cost" or "cost_event"
    key: tuple
    expected: tuple  # sums of the raw events
    found: tuple  # what the table holds

    def __str__(self) -> str:
        return f"{self.org} {self.table} {self.key}: raw events give {self.expected}, table has {self.found}"


@dataclass(frozen=True)
class CheckResult:
    orgs: int
    rollups: int
    daily_totals: int
    mismatches: tuple[Mismatch, ...]


def rollups_check(*, org: Organization | None = None) -> CheckResult:
    """Compare every rollup and daily total with sums of the raw events (one org at a time)."""
    orgs = [org] if org is not None else list(Organization.objects.order_by("public_id"))
    mismatches: list[Mismatch] = []
    rollup_rows = daily_rows = 0
    for each in orgs:
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                # One snapshot for the events and the rollups, even while ingestion goes on.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            found = _org_mismatches(each)
        mismatches.extend(found[0])
        rollup_rows += found[1]
        daily_rows += found[2]
    return CheckResult(len(orgs), rollup_rows, daily_rows, tuple(mismatches))


def _org_mismatches(org: Organization) -> tuple[list[Mismatch], int, int]:
    expected_rollups, expected_daily = {}, {}
    for key, sums in _rollup_sums(org, None):
        expected_rollups[key] = sums
        total = expected_daily.setdefault((key[0], key[1]), (0, 0))
        expected_daily[(key[0], key[1])] = (total[0] + sums[0], total[1] + sums[1])
    found_rollups = {
        r[:5]: r[5:]
        for r in DailyRollup.objects.filter(org=org).values_list(*ROLLUP_KEY, *ROLLUP_SUMS).iterator()
    }
    found_daily = {
        r[:2]: r[2:]
        for r in CustomerDailyCost.objects.filter(org=org).values_list(*DAILY_KEY, *DAILY_SUMS).iterator()
    }
    mismatches = list(_differences(org, "daily_rollup", expected_rollups, found_rollups))
    mismatches += _differences(org, "customer_daily_cost", expected_daily, found_daily)
    mismatches += _orphans(org)
    return mismatches, len(found_rollups), len(found_daily)


def _differences(org: Organization, table: str, expected: dict, found: dict) -> Iterator[Mismatch]:
    for key in sorted(expected.keys() | found.keys(), key=str):
        want = expected.get(key)
        have = found.get(key)
        # A rollup row of zeros (possible after a rebuild of nothing) is no difference.
        if (want or ()) != (have or ()) and not (want is None and not any(have)):
            yield Mismatch(org.public_id, table, key, want or (), have or ())


def _orphans(org: Organization) -> list[Mismatch]:
    # Events carry no database foreign key (see CostEvent): prove each points at a customer of its org.
    own = Customer.objects.filter(org=org).values("id")
    orphans = CostEvent.objects.filter(org=org).exclude(customer_id__in=own).count()
    return [Mismatch(org.public_id, "cost_event", ("customer",), (0,), (orphans,))] if orphans else []


def cost_rebuild_execute(*, rebuild: CurrencyRebuild) -> int:
    """The cost part of a change of reporting currency: the rollups rebuilt from the events (which
    keep their USD cost) in the new currency. Returns the number of events read."""
    events = CostEvent.objects.filter(org_id=rebuild.org_id).count()
    rebuild_part_total(rebuild=rebuild, items=events)
    if not rebuild_is_current(rebuild=rebuild):
        return 0
    try:
        rollups_rebuild(org=Organization.objects.get(pk=rebuild.org_id))
    except Exception as error:
        logger.exception("cost rebuild %s failed", rebuild.pk)
        rebuild_part_finish(rebuild=rebuild, error=f"cost: {type(error).__name__}: {error}")
        return 0
    rebuild_part_done(rebuild=rebuild, items=events)
    rebuild_part_finish(rebuild=rebuild)
    return events


def converted_rollups_refresh(*, since: date) -> int:
    """New rates from `since` on: rollups of orgs reporting in another currency than USD are
    rebuilt from that day, so a day's published rate replaces the one carried forward to it."""
    start = datetime.combine(since, time(0), tzinfo=UTC)
    orgs = Organization.objects.exclude(reporting_currency=PRICE_CURRENCY).filter(
        pk__in=CostEvent.objects.filter(occurred_at__gte=start).values("org_id")
    )
    return sum(1 for org in orgs if rollups_rebuild(org=org, since=since))
