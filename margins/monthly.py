"""Totals kept by the database: per customer and month (with its running sums), per feature and day.

CustomerMonthlyCost and CustomerMonthlyRevenue, OrgFeatureDailyCost.

Why triggers: a margin table for 10,000 customers needs three months of cost and revenue per
customer. Summing the daily rows (about 900,000 of each for three months) takes seconds; reading
monthly rows takes milliseconds. The daily rows are written by ingestion (cost) and by the
Stripe sync (revenue), and also by backfills, webhooks, the admin and cascading deletes. A
trigger keeps the monthly row right in the same statement as any of those writes, so no writer
has to remember it and a reader never sees a month out of step with its days.

- PostgreSQL: statement-level AFTER triggers with transition tables, so a batch of 1,000 daily
  upserts costs one grouped upsert on the monthly table, not 1,000.
- SQLite: row-level triggers (SQLite has no statement-level ones); its UPSERT does the same.

Deletes only subtract from monthly rows that exist and never insert one: while an organization
is being deleted, its monthly rows may already be gone, and inserting one would point at a
deleted organization.

A month is the UTC calendar month of the row's `day` (a date, so no time zone is involved). A
monthly row also keeps its running sums through each day of the month, so any range of days is
one row per month it touches (margins/calculations/month_parts.py). The upserts are additive, so
concurrent ingestion batches and syncs never wait on each other beyond the rows they share.
New totals rows are written period by period (ORDER BY org, period, key), by the triggers as by
`rebuild`: a period's rows then sit together on disk, as a day's ingestion leaves them, and a
reader of one month of every customer reads a few hundred pages, not one page per row.
The same order for every writer is also what keeps concurrent upserts from deadlocking.
`rebuild` recomputes the monthly rows from the daily rows, for repair after a bulk change that
bypassed triggers (TRUNCATE, or rows loaded with triggers disabled).

The ISO-week totals kept from margins 0009 to 0011 were `Rollup`s of grain "week" with running
sums through each weekday; their migrations still build them with this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import UUIDField

from margins.models import RUNNING_SUMS


@dataclass(frozen=True)
class Rollup:
    """A daily table, its monthly table, the key column besides org and the summed columns."""

    name: str
    daily: str
    monthly: str  # the table of totals kept
    key: str
    sums: tuple[str, ...]
    grain: str = "month"  # the column of the totals: "month" or "week" (of the row's day), or "day" (itself)
    running: str = ""  # the summed column whose running sums through each day of the period are kept too


COST = Rollup(
    "cost",
    "margins_customerdailycost",
    "margins_customermonthlycost",
    "customer_id",
    ("cost_micro", "request_count"),
    running="cost_micro",
)
REVENUE = Rollup(
    "revenue",
    "billing_revenuedaily",
    "margins_customermonthlyrevenue",
    "stripe_customer_id",
    ("amount_micro",),
    running="amount_micro",
)
# The org's cost per (UTC day, feature), from the per-feature rollups: a budget's month-to-date
# spend of a workspace or a feature is then a month's few rows at most, whatever the customer count.
FEATURE_DAYS = Rollup(
    "feature_daily",
    "margins_dailyrollup",
    "margins_orgfeaturedailycost",
    "feature",
    ("cost_micro",),
    grain="day",
)
ROLLUPS = (COST, REVENUE, FEATURE_DAYS)

_PERIODS = {
    ("postgresql", "month"): "date_trunc('month', {day}::timestamp)::date",
    ("sqlite", "month"): "date({day}, 'start of month')",
    # ISO weeks: date_trunc('week') is the Monday; SQLite goes back 6 days, then on to a Monday.
    ("postgresql", "week"): "date_trunc('week', {day}::timestamp)::date",
    ("sqlite", "week"): "date({day}, '-6 days', 'weekday 1')",
}
# A day's number in its period, from 1: the day of the month, or the ISO weekday (Monday 1 to
# Sunday 7; SQLite's %w counts from Sunday 0).
_DAY_NUMBERS = {
    ("postgresql", "month"): "extract(day FROM {day})",
    ("sqlite", "month"): "CAST(strftime('%d', {day}) AS INTEGER)",
    ("postgresql", "week"): "extract(isodow FROM {day})",
    ("sqlite", "week"): "((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7 + 1)",
}
# The column of `_numbered` rows holding that number (PostgreSQL).
_DAY_NUMBER = "day_number"
# The running sums' columns of each grain: through each day but the last the period can have.
_RUNNING_SUMS = {
    "month": RUNNING_SUMS,
    "week": ("through_mon", "through_tue", "through_wed", "through_thu", "through_fri", "through_sat"),
}


def _period(r: Rollup, vendor: str, day: str) -> str:
    """The totals' period of a daily row's `day`: its month's first day, its week's Monday, or the day."""
    if r.grain == "day":
        return day
    return _PERIODS[vendor, r.grain].format(day=day)


def _running_sums(r: Rollup) -> tuple[str, ...]:
    return _RUNNING_SUMS[r.grain] if r.running else ()


def _columns(r: Rollup) -> tuple[str, ...]:
    """The totals table's summed columns: the sums, then the running sums."""
    return (*r.sums, *_running_sums(r))


def _values(r: Rollup, vendor: str, row: str = "") -> list[str]:
    """What one daily row adds to each of `_columns`: its amounts, and to each running sum from
    its own day of the period on, its running column's amount. `row`: a prefix such as "new." for
    SQLite; PostgreSQL reads the day's number from the rows of `_numbered`."""
    values = [f"{row}{c}" for c in r.sums]
    if r.running:
        number = (
            _DAY_NUMBER if vendor == "postgresql" else _DAY_NUMBERS[vendor, r.grain].format(day=f"{row}day")
        )
        values += [
            f"CASE WHEN {number} <= {through} THEN {row}{r.running} ELSE 0 END"
            for through in range(1, len(_running_sums(r)) + 1)
        ]
    return values


def _numbered(r: Rollup, rows: str, where: str = "") -> str:
    """PostgreSQL's daily `rows` (`where`: a condition on them), each with its day's number in its
    period as an integer (`_DAY_NUMBER`) when the rollup keeps running sums. OFFSET 0 keeps the
    subquery a subquery: flattened, it would have PostgreSQL compute the number, a numeric
    extract, once per running sum, 30 times a row (2.4 s instead of 0.7 s for a sync's 301,339 rows)."""
    if not r.running:
        return f"{rows} {where}".strip()
    number = _DAY_NUMBERS["postgresql", r.grain].format(day="day")
    return f"(SELECT *, ({number})::int AS {_DAY_NUMBER} FROM {rows} {where} OFFSET 0) AS numbered"


def _pg_function(r: Rollup) -> str:
    columns, values = _columns(r), _values(r, "postgresql")
    cols = ", ".join(columns)
    g = r.grain
    keys = f"org_id, {r.key}, {g}"
    month = _period(r, "postgresql", "day")
    picked = ", ".join(f"{v} AS {c}" for c, v in zip(columns, values, strict=True))
    negated = ", ".join(f"-({v})" for v in values)
    summed = ", ".join(f"sum({c}) AS {c}" for c in columns)
    subtract = ", ".join(f"{c} = m.{c} - o.{c}" for c in columns)
    add = ", ".join(f"{c} = {r.monthly}.{c} + EXCLUDED.{c}" for c in columns)
    nonzero = " OR ".join(f"sum({c}) <> 0" for c in columns)
    return f"""
CREATE OR REPLACE FUNCTION margint_monthly_{r.name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE {r.monthly} AS m SET {subtract}
      FROM (SELECT org_id, {r.key}, {g}, {summed}
              FROM (SELECT org_id, {r.key}, {month} AS {g}, {picked} FROM {_numbered(r, "old_rows")}) AS gone
             GROUP BY 1, 2, 3) AS o
     WHERE m.org_id = o.org_id AND m.{r.key} = o.{r.key} AND m.{g} = o.{g};
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO {r.monthly} ({keys}, {cols})
    SELECT org_id, {r.key}, {g}, {summed}
      FROM (SELECT org_id, {r.key}, {month} AS {g}, {picked} FROM {_numbered(r, "new_rows")}) AS came
     GROUP BY 1, 2, 3 ORDER BY 1, 3, 2
    ON CONFLICT (org_id, {r.key}, {g}) DO UPDATE SET {add};
  ELSE
    INSERT INTO {r.monthly} ({keys}, {cols})
    SELECT org_id, {r.key}, {g}, {summed}
      FROM (SELECT org_id, {r.key}, {month} AS {g}, {picked} FROM {_numbered(r, "new_rows")}
            UNION ALL
            SELECT org_id, {r.key}, {month}, {negated} FROM {_numbered(r, "old_rows")}) AS delta
     GROUP BY 1, 2, 3 HAVING {nonzero} ORDER BY 1, 3, 2
    ON CONFLICT (org_id, {r.key}, {g}) DO UPDATE SET {add};
  END IF;
  RETURN NULL;
END
$fn$;
"""


def _pg_install(r: Rollup) -> list[str]:
    name = f"margint_monthly_{r.name}"
    return [
        *_pg_drop(r)[:3],
        _pg_function(r),
        f"CREATE TRIGGER {name}_ins AFTER INSERT ON {r.daily} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        f"CREATE TRIGGER {name}_upd AFTER UPDATE ON {r.daily} REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        f"CREATE TRIGGER {name}_del AFTER DELETE ON {r.daily} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def _pg_drop(r: Rollup) -> list[str]:
    name = f"margint_monthly_{r.name}"
    drops = [f"DROP TRIGGER IF EXISTS {name}_{op} ON {r.daily}" for op in ("ins", "upd", "del")]
    return [*drops, f"DROP FUNCTION IF EXISTS {name}()"]


def _sqlite_upsert(r: Rollup, row: str, sign: str) -> str:
    columns = _columns(r)
    values = ", ".join(f"{sign}({v})" for v in _values(r, "sqlite", f"{row}."))
    add = ", ".join(f"{c} = {c} + excluded.{c}" for c in columns)
    month = _period(r, "sqlite", f"{row}.day")
    return (
        f"INSERT INTO {r.monthly} (org_id, {r.key}, {r.grain}, {', '.join(columns)}) "
        f"VALUES ({row}.org_id, {row}.{r.key}, {month}, {values}) "
        f"ON CONFLICT (org_id, {r.key}, {r.grain}) DO UPDATE SET {add};"
    )


def _sqlite_subtract(r: Rollup) -> str:
    pairs = zip(_columns(r), _values(r, "sqlite", "old."), strict=True)
    subtract = ", ".join(f"{c} = {c} - ({v})" for c, v in pairs)
    month = _period(r, "sqlite", "old.day")
    return (
        f"UPDATE {r.monthly} SET {subtract} "
        f"WHERE org_id = old.org_id AND {r.key} = old.{r.key} AND {r.grain} = {month};"
    )


def _sqlite_install(r: Rollup) -> list[str]:
    name = f"margint_monthly_{r.name}"
    return [
        *_sqlite_drop(r),
        f"CREATE TRIGGER {name}_ins AFTER INSERT ON {r.daily} BEGIN {_sqlite_upsert(r, 'new', '')} END",
        f"CREATE TRIGGER {name}_upd AFTER UPDATE ON {r.daily} BEGIN "
        f"{_sqlite_subtract(r)} {_sqlite_upsert(r, 'new', '')} END",
        f"CREATE TRIGGER {name}_del AFTER DELETE ON {r.daily} BEGIN {_sqlite_subtract(r)} END",
    ]


def _sqlite_drop(r: Rollup) -> list[str]:
    name = f"margint_monthly_{r.name}"
    return [f"DROP TRIGGER IF EXISTS {name}_{op}" for op in ("ins", "upd", "del")]


def _rebuild_statements(r: Rollup, vendor: str, org_id: object | None) -> tuple[list[str], list]:
    month = _period(r, vendor, "day")
    summed = ", ".join(f"sum({v})" for v in _values(r, vendor))
    where, params = ("WHERE org_id = %s", [org_id]) if org_id is not None else ("", [])
    source = _numbered(r, r.daily, where) if vendor == "postgresql" else f"{r.daily} {where}"
    # Writers wait while a table is rebuilt, so no daily change lands between delete and insert.
    lock = [f"LOCK TABLE {r.daily} IN SHARE ROW EXCLUSIVE MODE"] if vendor == "postgresql" else []
    return [
        *lock,
        f"DELETE FROM {r.monthly} {where}",
        f"INSERT INTO {r.monthly} (org_id, {r.key}, {r.grain}, {', '.join(_columns(r))}) "
        f"SELECT org_id, {r.key}, {month}, {summed} FROM {source} GROUP BY 1, 2, 3 ORDER BY 1, 3, 2",
    ], params


def _statements(vendor: str, install: bool, rollups: tuple[Rollup, ...] = ROLLUPS) -> list[str]:
    if vendor == "postgresql":
        build = _pg_install if install else _pg_drop
    elif vendor == "sqlite":
        build = _sqlite_install if install else _sqlite_drop
    else:
        # A configuration Margint does not run on, not work left to do: the triggers exist in two dialects.
        raise ImproperlyConfigured(f"the monthly totals need PostgreSQL or SQLite, not {vendor}")
    return [sql for r in rollups for sql in build(r)]


def install_triggers(connection: BaseDatabaseWrapper, rollups: tuple[Rollup, ...] = ROLLUPS) -> None:
    """Create (or re-create) the triggers; idempotent. `rollups`: for a migration, those it knows."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, install=True, rollups=rollups):
            cursor.execute(sql)


def drop_triggers(connection: BaseDatabaseWrapper, rollups: tuple[Rollup, ...] = ROLLUPS) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, install=False, rollups=rollups):
            cursor.execute(sql)


def rebuild(
    connection: BaseDatabaseWrapper, *, org_id: object | None = None, rollups: tuple[Rollup, ...] = ROLLUPS
) -> None:
    """Recompute the monthly rows from the daily rows (of one org, or of all); call it in a transaction."""
    db_org_id = None if org_id is None else UUIDField().get_db_prep_value(org_id, connection)
    with connection.cursor() as cursor:
        for r in rollups:
            statements, params = _rebuild_statements(r, connection.vendor, db_org_id)
            for sql in statements:
                cursor.execute(sql, params if "%s" in sql else None)
