"""Raw cost events, one PostgreSQL partition per UTC month; expired months dropped whole.

`margins_costevent` is partitioned by range of occurred_at (migration 0007 converted it; see
docs/operations.md). Partitions are named `margins_costevent_pYYYYMM` and cover [month, next
month). A table converted from an existing one keeps its rows in `margins_costevent_legacy`,
attached for the months those rows span (through the month of the conversion): no row is copied.
`margins_costevent_default` catches an event no month covers, so an insert never fails for want
of a partition; maintenance reports it when it holds rows.

`event_partitions_maintain` (daily, from beat) creates the months from the retention cutoff to
PARTITIONS_AHEAD months ahead, then drops each partition wholly older than the cutoff, deleting
its idempotency keys first. The cutoff is the first day of the month COST_EVENT_RETENTION_MONTHS
before the current one; daily rollups and monthly totals are never dropped, so every page and
total stays whole after raw events expire. Validation refuses events older than the cutoff.
On SQLite the events stay in one table and nothing here runs.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

TABLE = "margins_costevent"
LEGACY = f"{TABLE}_legacy"
DEFAULT = f"{TABLE}_default"
PARTITIONS_AHEAD = 3
_BOUNDS = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


def month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def months_added(month: datetime, count: int) -> datetime:
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def retention_cutoff(now: datetime) -> datetime | None:
    """Events before this moment are expired (None: kept forever)."""
    months = settings.COST_EVENT_RETENTION_MONTHS
    return months_added(month_start(now), -months) if months > 0 else None


def partition_name(month: datetime) -> str:
    return f"{TABLE}_p{month:%Y%m}"


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime | None  # None: the default partition
    end: datetime | None


def partitions(cursor) -> list[Partition]:
    cursor.execute(
        """SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass ORDER BY c.relname""",
        [TABLE],
    )
    found = []
    for name, bound in cursor.fetchall():
        match = _BOUNDS.search(bound)
        start, end = (
            (datetime.fromisoformat(m).astimezone(UTC) for m in match.groups()) if match else (None, None)
        )
        found.append(Partition(name, start, end))
    return found


def partition_create(cursor, month: datetime) -> None:
    start, end = month.isoformat(), months_added(month, 1).isoformat()
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {partition_name(month)} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{start}') TO ('{end}')"  # noqa: S608 (dates this module formats)
    )


def months_to_cover(now: datetime, *, oldest: datetime | None) -> list[datetime]:
    """Every month from the cutoff (or `oldest`, without retention) to PARTITIONS_AHEAD ahead."""
    last = months_added(month_start(now), PARTITIONS_AHEAD)
    month = retention_cutoff(now) or oldest or month_start(now)
    months = []
    while month <= last:
        months.append(month)
        month = months_added(month, 1)
    return months


def partitions_create(cursor, now: datetime) -> list[str]:
    """The months not yet covered; a month whose rows already sit in the default partition is left
    there (PostgreSQL would refuse the new partition) and reported."""
    existing = [p for p in partitions(cursor) if p.start is not None]
    oldest = min((p.start for p in existing), default=None)
    created = []
    for month in months_to_cover(now, oldest=oldest):
        end = months_added(month, 1)
        if any(p.start < end and month < p.end for p in existing):
            continue
        try:
            with transaction.atomic():
                partition_create(cursor, month)
        except DatabaseError as error:
            logger.warning("partition for %s not created: %s", f"{month:%Y-%m}", error)
            continue
        created.append(partition_name(month))
    return created


def partitions_drop_expired(cursor, now: datetime) -> list[str]:
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return []
    dropped = []
    for partition in sorted(partitions(cursor), key=lambda p: p.end or cutoff):
        if partition.end is None or partition.end > cutoff:
            continue
        with transaction.atomic():
            # Keys first: an event's key lives exactly as long as the event (EventIdempotencyKey).
            cursor.execute("DELETE FROM margins_eventidempotencykey WHERE occurred_at < %s", [partition.end])
            cursor.execute(f"DROP TABLE {partition.name}")  # noqa: S608 (a name read from pg_inherits)
        dropped.append(partition.name)
    return dropped


@dataclass(frozen=True)
class Maintenance:
    created: list[str]
    dropped: list[str]
    default_rows: int


def event_partitions_maintain(*, now: datetime) -> Maintenance:
    if connection.vendor != "postgresql":
        return Maintenance([], [], 0)
    with connection.cursor() as cursor:
        created = partitions_create(cursor, now)
        dropped = partitions_drop_expired(cursor, now)
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {DEFAULT} LIMIT 1000) AS d")  # noqa: S608
        default_rows = cursor.fetchone()[0]
    if default_rows:
        logger.warning("%s holds %s+ events that no month covers", DEFAULT, default_rows)
    logger.info("cost-event partitions: created %s, dropped %s", created, dropped)
    return Maintenance(created, dropped, default_rows)
