"""The monthly totals of a margin table, read in full once per process and then only as changes.

A table of 10,000 customers needs 30,000 CustomerMonthlyCost and 30,000 CustomerMonthlyRevenue
rows (margins/monthly.py). Reading and pivoting them all takes a few hundred milliseconds on a
busy machine, while between two requests ingestion has typically changed a handful. So each
process keeps the org's totals of the months it last read, with the oldest transaction id that
could still hide a change from that read, and each request reads, in one statement:

- the version of every input (row count and sum of `xmin`, see margins/memo.py), which keys
  the rendered table and the copies of mappings and Stripe names;
- the monthly rows written since that transaction id, in full (usually a handful).

Why that finds every change: a row version the earlier read could not see was written by a
transaction that had not committed when it read, and every such transaction's id is at least
the oldest id still running then (`pg_snapshot_xmin`). A row's `xmin` keeps its writer's id
(freezing does not change it since PostgreSQL 9.4) and `age()` compares ids across wraparound.
Rows since that id may include ones already seen: applying them again changes nothing.
A deleted row leaves nothing to read, so the row count is checked: the rows kept plus the new
keys read must equal the count, or the totals are read again in full. Updates never move a row
to another key (customer and month are its identity, unique per org).

Another process of the same database may carry on from these totals (`shared_state` in one,
`adopt_state` in the other, the value passed through a shared cache): the since id counts the
database's transactions, not the process's, so reading the rows written since it finds every
change after the read that built the totals, in whichever process that read ran, and the row
count catches deletes as above. Generation numbers are the process's own: adopted totals get a
new one, with no history before it.

Only on PostgreSQL outside transactions, like every version (`memo.versions_possible()`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import DatabaseError, connection

from billing.models import StripeCustomer
from mappings.models import CustomerMapping
from margins import memo
from margins.calculations import Month
from margint.models import Organization


@dataclass(frozen=True)
class _Table:
    """A monthly table, its customer column, the customer table and key naming it, the summed column."""

    name: str
    customer: str
    customers: str
    key: str
    amount: str


_COST = _Table("margins_customermonthlycost", "customer_id", "margins_customer", "external_id", "cost_micro")
_REVENUE = _Table(
    "margins_customermonthlyrevenue",
    "stripe_customer_id",
    "billing_stripecustomer",
    "stripe_id",
    "amount_micro",
)


@dataclass(frozen=True)
class _Kept:
    """One table's totals as a read saw them: amounts per key and month, which months have a row."""

    amounts: dict[str, tuple[int, ...]]
    months_present: dict[str, int]  # key -> bit i set when the key has a row for month i
    count: int
    since: str | None  # xid: rows written by it or later may be unseen; None: read in full next
    month_totals: tuple[int, ...]  # the sum over keys, per month


@dataclass(frozen=True)
class _Step:
    """From one generation of an org's kept totals to the next: the keys whose rows were read."""

    before: int
    after: int
    cost_keys: frozenset[str]
    revenue_keys: frozenset[str]


@dataclass(frozen=True)
class _Generation:
    cost: _Kept
    revenue: _Kept
    number: int
    steps: tuple[_Step, ...]  # the last few, oldest first; none back past a full read


HISTORY = 32
_numbers = itertools.count(1)


@dataclass(frozen=True)
class TotalsRead:
    """What one request read: the inputs' versions, and the org's totals as of that read.

    `generation` numbers the totals: a table built from one generation can be brought to a later
    one by computing again the customers `changes_since` names, rather than every customer.
    """

    version: str
    mappings_version: str
    stripe_version: str
    cost: dict[str, tuple[int, ...]]  # external id -> cost per month
    revenue: dict[str, tuple[int, ...]]  # Stripe id -> recognized revenue per month
    org_cost: tuple[int, ...]  # per month, mapped or not
    org_revenue: tuple[int, ...]
    generation: int
    steps: tuple[_Step, ...]
    loaded: bool = True

    def changes_since(self, generation: int) -> tuple[set[str], set[str]] | None:
        """Cost keys and Stripe ids whose totals may differ from `generation`'s; None if unknown."""
        cost: set[str] = set()
        revenue: set[str] = set()
        reached = self.generation
        for step in reversed(self.steps):
            if reached == generation:
                break
            if step.after != reached:
                return None
            cost |= step.cost_keys
            revenue |= step.revenue_keys
            reached = step.before
        return (cost, revenue) if reached == generation else None


def read_totals(*, org: Organization, months: Sequence[Month], load: bool = True) -> TotalsRead:
    """Versions and totals of `months` for the org; two more queries when read in full (first time).

    `load=False`: when this process keeps no totals of these months, read only the versions
    (the read is not `loaded`: its totals are empty), for a caller that may need no more.
    """
    scope = _scope(org, months)
    kept: _Generation | None = _kept.get(scope)
    days = [month.first_day for month in months]
    with connection.cursor() as cursor:
        cursor.execute(_versions_and_changes_sql(), _versions_and_changes_params(org, days, kept))
        mappings, stripe, since, *sides = cursor.fetchone()
    (cost_count, cost_x, cost_rows), (revenue_count, revenue_x, revenue_rows) = _triples(sides)
    version = f"{mappings}:{stripe}:{cost_count}.{cost_x}:{revenue_count}.{revenue_x}"
    if kept is None and not load:
        empty = (0,) * len(days)
        return TotalsRead(version, mappings, stripe, {}, {}, empty, empty, 0, (), loaded=False)
    current = _next_generation(
        org,
        days,
        kept,
        since,
        (cost_count, cost_rows or []),
        (revenue_count, revenue_rows or []),
    )
    _kept.put(scope, current)
    return TotalsRead(
        version=version,
        mappings_version=mappings,
        stripe_version=stripe,
        cost=current.cost.amounts,
        revenue=current.revenue.amounts,
        org_cost=current.cost.month_totals,
        org_revenue=current.revenue.month_totals,
        generation=current.number,
        steps=current.steps,
    )


def _next_generation(
    org: Organization,
    days: list,
    kept: _Generation | None,
    since: str,
    cost: tuple[int, list],
    revenue: tuple[int, list],
) -> _Generation:
    if kept is None:
        cost_kept, revenue_kept = _read_in_full(org, _COST, days), _read_in_full(org, _REVENUE, days)
        return _Generation(cost_kept, revenue_kept, next(_numbers), ())
    cost_kept = _applied(kept.cost, *cost, since, days)
    revenue_kept = _applied(kept.revenue, *revenue, since, days)
    if cost_kept is None or revenue_kept is None:
        # A deleted row: what changed is unknown, so the generation starts a new history.
        return _Generation(
            cost_kept or _read_in_full(org, _COST, days),
            revenue_kept or _read_in_full(org, _REVENUE, days),
            next(_numbers),
            (),
        )
    if not cost[1] and not revenue[1]:
        return _Generation(cost_kept, revenue_kept, kept.number, kept.steps)
    number = next(_numbers)
    keys = [frozenset(row[0] for row in rows) for rows in (cost[1], revenue[1])]
    step = _Step(kept.number, number, *keys)
    return _Generation(cost_kept, revenue_kept, number, (*kept.steps[1 - HISTORY :], step))


_kept = memo.LocalCopies(16, clear_with_memo=True)


def _scope(org: Organization, months: Sequence[Month]) -> str:
    return f"{org.pk}:{','.join(map(str, months))}"


_STATE_FORMAT = 1  # of the values `shared_state` returns


def state_namespace() -> str:
    """Part of any key a shared state is kept under: where it is valid.

    A since id says which rows were read only in the database that read them, so the key names
    the database (the cluster's system identifier and the database's oid: a database created
    again, or a copy of it, is another one), and the format of the values. Where the server does
    not let this role read its control data, the cluster is named by its start time instead (a
    restart starts a new namespace, which costs one full read). Asked only outside transactions
    (`memo.versions_possible()`), where a refused statement leaves the connection usable.
    """
    database = "(SELECT oid FROM pg_database WHERE datname = current_database())::text"
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT system_identifier::text || '.' || {database} FROM pg_control_system()")
            return f"{_STATE_FORMAT}:{cursor.fetchone()[0]}"
    except DatabaseError:
        with connection.cursor() as cursor:
            started = "extract(epoch FROM pg_postmaster_start_time())::text"
            cursor.execute(f"SELECT {started} || '.' || {database}")
            return f"{_STATE_FORMAT}:started-{cursor.fetchone()[0]}"


def shared_state(*, org: Organization, months: Sequence[Month], generation: int) -> tuple | None:
    """The totals of `months` this process keeps, as plain values for `adopt_state` in another
    process; None unless they are still those of `generation`."""
    kept: _Generation | None = _kept.get(_scope(org, months))
    if kept is None or kept.number != generation:
        return None
    return tuple(
        (k.amounts, k.months_present, k.count, k.since, k.month_totals) for k in (kept.cost, kept.revenue)
    )


def adopt_state(*, org: Organization, months: Sequence[Month], state: tuple) -> int | None:
    """Keep the totals `shared_state` gave in another process as this process's totals of `months`,
    unless it keeps some already: their generation number here, or None when not adopted.

    The next `read_totals` brings them up to date from their since id, and its `changes_since`
    of that number names what changed after the other process read them.
    """
    cost, revenue = (_Kept(*values) for values in state)
    generation = _Generation(cost, revenue, next(_numbers), ())
    return generation.number if _kept.put_new(_scope(org, months), generation) else None


def changes_from_state(*, state: tuple, read: TotalsRead) -> tuple[set[str], set[str]]:
    """Cost keys and Stripe ids whose totals in `read` differ from those of `state` (`shared_state`
    of the same months), compared amount by amount: for a process that cannot adopt `state`."""
    (cost, *_), (revenue, *_) = state
    return _differing(cost, read.cost), _differing(revenue, read.revenue)


def _differing(before: dict[str, tuple[int, ...]], after: dict[str, tuple[int, ...]]) -> set[str]:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def _triples(sides: list) -> list[tuple]:
    return [tuple(sides[i : i + 3]) for i in range(0, len(sides), 3)]


def _side_sql(table: _Table, alias: str) -> str:
    # One pass over the org's rows of the months: count, xmin sum and the ids of the rows since
    # `since` (none when it is NULL); then those few rows with their customer's key. The key is
    # looked up apart from the pass so that the plan stays cheap: a lookup per row inside the
    # aggregate made the planner estimate enough work to compile the query (JIT, half a second).
    return (
        f"(SELECT count(*) AS n, coalesce(sum(m.xmin::text::bigint), 0) AS x, "
        f"array_agg(m.id) FILTER (WHERE age(m.xmin) <= age(%s::xid)) AS ids "
        f"FROM {table.name} m WHERE m.org_id = %s AND m.month = ANY(%s)) AS {alias}, "
        f"LATERAL (SELECT json_agg(json_build_array(k.{table.key}, m.month, m.{table.amount})) AS rows "
        f"FROM {table.name} m JOIN {table.customers} k ON k.id = m.{table.customer} "
        f"WHERE m.id = ANY({alias}.ids)) AS {alias}_rows"
    )


def _versions_and_changes_sql() -> str:
    return (
        f"SELECT {memo.rows_version_sql(CustomerMapping)}, {memo.rows_version_sql(StripeCustomer)}, "
        "pg_snapshot_xmin(pg_current_snapshot())::xid::text, c.n, c.x, c_rows.rows, r.n, r.x, r_rows.rows "
        f"FROM {_side_sql(_COST, 'c')}, {_side_sql(_REVENUE, 'r')}"
    )


def _versions_and_changes_params(org: Organization, days: list, kept: _Generation | None) -> list:
    cost, revenue = (kept.cost.since, kept.revenue.since) if kept is not None else (None, None)
    return [org.pk, org.pk, cost, org.pk, days, revenue, org.pk, days]


def _applied(previous: _Kept, count: int, changes: list, since: str, days: list) -> _Kept | None:
    """The kept totals with the changed rows applied; None when a row was deleted (read in full)."""
    if previous.since is None:
        return None
    amounts, present = previous.amounts, previous.months_present
    expected, month_totals = previous.count, list(previous.month_totals)
    if changes:
        amounts, present = dict(amounts), dict(present)
        index = {day.isoformat(): i for i, day in enumerate(days)}
        zeros = (0,) * len(days)
        for key, day, amount in changes:
            i = index[day]
            if not present.get(key, 0) >> i & 1:
                expected += 1
                present[key] = present.get(key, 0) | 1 << i
            row = list(amounts.get(key, zeros))
            month_totals[i] += amount - row[i]
            row[i] = amount
            amounts[key] = tuple(row)
    if expected != count:
        return None
    return _Kept(amounts, present, count, since, tuple(month_totals))


def _read_in_full(org: Organization, table: _Table, days: list) -> _Kept:
    sums = ", ".join(f"coalesce(sum(m.{table.amount}) FILTER (WHERE m.month = %s), 0)::bigint" for _ in days)
    bits = " ".join(f"WHEN %s THEN {1 << i}" for i in range(len(days)))
    sql = (
        f"SELECT k.{table.key}, p.*, pg_snapshot_xmin(pg_current_snapshot())::xid::text "
        f"FROM (SELECT m.{table.customer} AS id, {sums}, sum(CASE m.month {bits} END)::int "
        f"FROM {table.name} m WHERE m.org_id = %s AND m.month = ANY(%s) GROUP BY 1) AS p "
        f"JOIN {table.customers} k ON k.id = p.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*days, *days, org.pk, days])
        rows = cursor.fetchall()
    amounts = {row[0]: tuple(row[2 : 2 + len(days)]) for row in rows}
    present = {row[0]: row[2 + len(days)] for row in rows}
    # With no row there is no snapshot to start from: the next request reads in full (cheaply).
    since = rows[0][-1] if rows else None
    count = sum(bin(mask).count("1") for mask in present.values())
    month_totals = tuple(sum(column) for column in zip(*amounts.values(), strict=True)) or (0,) * len(days)
    return _Kept(amounts, present, count, since, month_totals)
