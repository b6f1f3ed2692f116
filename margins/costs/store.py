"""The SQL of ingestion: cost-side customers, raw events and rollup increments, in bulk.

Two writers with one contract. The portable writer (SQLite) runs standard multi-row inserts and
upserts with `executemany`; SQLite serialises writers anyway. The PostgreSQL writer does a
1,000-event batch in three or four statements and no ORM objects: one reads the batch's
customers, one creates or updates those that need it, and one inserts the batch's idempotency
keys into their own table with `ON CONFLICT DO NOTHING`, then, in the same statement, the events
whose key went in (or that have none), and adds exactly those to both rollup tables with
`ON CONFLICT DO UPDATE` increments. The unique key table, not a read, decides which events are
new, so racing requests never both count an idempotency key; it is a table of its own because
the events are partitioned by month (models.EventIdempotencyKey).

Rows are written in a fixed order in every table (customers by external id, events by
idempotency key, rollups by their key), so two concurrent batches touching the same rows wait
for each other instead of deadlocking.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from django.db import connection

from margins.costs.currency import HALF_EVEN_SQL, DayRate, converted_cost


@dataclass
class CustomerSeen:
    """What one batch says about a customer: the span of its events (epoch microseconds), and a
    name or email if given."""

    first: int
    last: int
    name: str | None = None
    email: str | None = None


class EventRow(NamedTuple):  # a NamedTuple: a thousand of them a batch, built in microseconds
    customer_id: object  # as the writer's customer ids come (text on PostgreSQL, hex on SQLite)
    feature: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cost_micro: int
    priced: bool
    occurred_at: datetime
    at_micros: int
    day: date
    idempotency_key: str | None
    tags_json: str


@dataclass(frozen=True)
class Stored:
    accepted: int  # events inserted (the others' idempotency keys were already stored)
    unpriced: int  # of those, stored at cost 0 for want of a price
    customer_ids: frozenset  # customers that received new events


# The summed columns of a rollup row and of a customer's day, as both writers and the rebuild
# (margins/costs/rollups.py) add them up.
ROLLUP_SUMS = (
    "cost_micro",
    "request_count",
    "unpriced_count",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
)
DAILY_SUMS = ("cost_micro", "request_count")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# last_seen_at is kept to the minute, like an API key's last_used_at: a customer sending events
# all day is written about once a minute, not once per batch.
LAST_SEEN_PRECISION_MICROS = 60_000_000


def epoch_micros(value: datetime) -> int:
    return (value - _EPOCH) // _MICROSECOND


def from_epoch_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _needs_write(seen: CustomerSeen, stored: tuple | None) -> bool:
    """stored: (id, name, email, first seen, last seen), times in epoch microseconds."""
    if stored is None:
        return True
    _, name, email, first, last = stored
    return (
        (seen.name is not None and seen.name != name)
        or (seen.email is not None and seen.email != email)
        or seen.first < first
        or seen.last >= last + LAST_SEEN_PRECISION_MICROS
    )


_CUSTOMER_UPSERT = """
    INSERT INTO margins_customer (id, org_id, external_id, name, email, first_seen_at, last_seen_at)
    {rows}
    ON CONFLICT (org_id, external_id) DO UPDATE SET
        name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE margins_customer.name END,
        email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE margins_customer.email END,
        first_seen_at = {least}(margins_customer.first_seen_at, excluded.first_seen_at),
        last_seen_at = {greatest}(margins_customer.last_seen_at, excluded.last_seen_at)
"""
# The key table, not the (partitioned) events, says which keys are new: see EventIdempotencyKey.
_KEYS_INSERT = """INSERT INTO margins_eventidempotencykey (org_id, idempotency_key, occurred_at)
    {rows} ON CONFLICT DO NOTHING RETURNING idempotency_key"""
_EVENT_COLUMNS = """org_id, customer_id, feature, provider, model, input_tokens, output_tokens,
    cached_input_tokens, cost_micro, priced, occurred_at, idempotency_key, tags, created_at"""
_ROLLUP_UPSERT = """
    INSERT INTO margins_dailyrollup (org_id, customer_id, day, feature, model, provider, cost_micro,
        request_count, unpriced_count, input_tokens, output_tokens, cached_input_tokens)
    {rows}
    ON CONFLICT (org_id, customer_id, day, feature, model, provider) DO UPDATE SET """ + ", ".join(
    f"{c} = margins_dailyrollup.{c} + excluded.{c}" for c in ROLLUP_SUMS
)
_DAILY_UPSERT = """
    INSERT INTO margins_customerdailycost (org_id, customer_id, day, cost_micro, request_count)
    {rows}
    ON CONFLICT (org_id, customer_id, day) DO UPDATE SET """ + ", ".join(
    f"{c} = margins_customerdailycost.{c} + excluded.{c}" for c in DAILY_SUMS
)


class Writer:
    """The portable writer: standard SQL that SQLite (3.35+ for RETURNING) runs."""

    greatest, least = "MAX", "MIN"
    ROWS_PER_INSERT = 500  # 14 parameters a row, well under SQLite's 32,766

    # Day -> rate into the reporting currency (margins.costs.currency); None: costs stay USD.
    rates: dict[date, DayRate] | None = None

    def __init__(self, org_id: uuid.UUID) -> None:
        self.org_id = self.db_uuid(org_id)

    @staticmethod
    def db_uuid(value: uuid.UUID) -> object:
        return value if connection.features.has_native_uuid_field else value.hex

    @staticmethod
    def db_datetime(value: datetime) -> object:
        return connection.ops.adapt_datetimefield_value(value)

    def customers_resolve(self, seen: dict[str, CustomerSeen]) -> dict[str, object]:
        """The id of each customer, created on first sight; names, emails and seen times kept current."""
        stored = self._customers_select(list(seen))
        ids = {external_id: row[0] for external_id, row in stored.items()}
        to_write = sorted(e for e, s in seen.items() if _needs_write(s, stored.get(e)))
        if to_write:
            self._customers_upsert([(e, seen[e], ids.get(e) or self.db_uuid(uuid.uuid4())) for e in to_write])
            missing = [e for e in to_write if e not in ids]
            ids.update({e: row[0] for e, row in self._customers_select(missing).items()})
        return ids

    def _customers_select(self, external_ids: Sequence[str]) -> dict[str, tuple]:
        if not external_ids:
            return {}
        marks = ", ".join(["%s"] * len(external_ids))
        with connection.cursor() as cursor:
            sql = "SELECT external_id, id, name, email, first_seen_at, last_seen_at FROM margins_customer"
            sql += f" WHERE org_id = %s AND external_id IN ({marks})"  # only placeholders are formatted in
            cursor.execute(sql, [self.org_id, *external_ids])
            return {
                e: (cid, name, email, epoch_micros(_aware(first)), epoch_micros(_aware(last)))
                for e, cid, name, email, first, last in cursor.fetchall()
            }

    def _customers_upsert(self, rows: list[tuple[str, CustomerSeen, object]]) -> None:
        sql = _CUSTOMER_UPSERT.format(
            rows="VALUES (%s, %s, %s, %s, %s, %s, %s)", least=self.least, greatest=self.greatest
        )
        params = [
            (
                cid,
                self.org_id,
                e,
                s.name or "",
                s.email or "",
                self.db_datetime(from_epoch_micros(s.first)),
                self.db_datetime(from_epoch_micros(s.last)),
            )
            for e, s, cid in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)

    def events_store(self, rows: Sequence[EventRow], *, now: datetime) -> Stored:
        """Insert the events whose idempotency key is new (or absent) and add exactly those to the rollups."""
        new_keys = self._keys_insert([r for r in rows if r.idempotency_key is not None])
        inserted = [r for r in rows if r.idempotency_key is None or r.idempotency_key in new_keys]
        created = self.db_datetime(now)
        with connection.cursor() as cursor:
            for start in range(0, len(inserted), self.ROWS_PER_INSERT):
                chunk = inserted[start : start + self.ROWS_PER_INSERT]
                values = ", ".join(["(" + ", ".join(["%s"] * 14) + ")"] * len(chunk))
                params = []
                for r in chunk:
                    params += [
                        self.org_id, r.customer_id, r.feature, r.provider, r.model, r.input_tokens,
                        r.output_tokens, r.cached_input_tokens, r.cost_micro, r.priced,
                        self.db_datetime(r.occurred_at), r.idempotency_key, r.tags_json, created,
                    ]  # fmt: skip
                sql = f"INSERT INTO margins_costevent ({_EVENT_COLUMNS}) VALUES {values}"  # noqa: S608 (placeholders only)
                cursor.execute(sql, params)
        self._rollups_add(inserted)
        return Stored(
            accepted=len(inserted),
            unpriced=sum(1 for r in inserted if not r.priced),
            customer_ids=frozenset(r.customer_id for r in inserted),
        )

    def _keys_insert(self, rows: list[EventRow]) -> set[str]:
        """The keys of `rows` that were not stored yet, stored now; RETURNING names them."""
        new_keys: set[str] = set()
        with connection.cursor() as cursor:
            for start in range(0, len(rows), self.ROWS_PER_INSERT):
                chunk = rows[start : start + self.ROWS_PER_INSERT]
                values = "VALUES " + ", ".join(["(%s, %s, %s)"] * len(chunk))
                params = [
                    v
                    for r in chunk
                    for v in (self.org_id, r.idempotency_key, self.db_datetime(r.occurred_at))
                ]
                cursor.execute(_KEYS_INSERT.format(rows=values), params)
                new_keys.update(key for (key,) in cursor.fetchall())
        return new_keys

    def _rollups_add(self, rows: list[EventRow]) -> None:
        deltas: dict[tuple, list[int]] = {}
        rates = self.rates
        for r in rows:
            sums = deltas.setdefault((r.customer_id, r.day, r.feature, r.model, r.provider), [0] * 6)
            cost = converted_cost(r.cost_micro, rates[r.day]) if rates is not None else r.cost_micro
            for i, value in enumerate((cost, 1, 0 if r.priced else 1, r.input_tokens, r.output_tokens,
                                       r.cached_input_tokens)):  # fmt: skip
                sums[i] += value
        daily: dict[tuple, list[int]] = {}
        for (customer_id, day, *_), sums in deltas.items():
            total = daily.setdefault((customer_id, day), [0, 0])
            total[0] += sums[0]
            total[1] += sums[1]
        day_value = connection.ops.adapt_datefield_value
        with connection.cursor() as cursor:
            cursor.executemany(
                _ROLLUP_UPSERT.format(rows=f"VALUES ({', '.join(['%s'] * 12)})"),
                [(self.org_id, k[0], day_value(k[1]), *k[2:], *deltas[k]) for k in sorted(deltas)],
            )
            cursor.executemany(
                _DAILY_UPSERT.format(rows="VALUES (%s, %s, %s, %s, %s)"),
                [(self.org_id, k[0], day_value(k[1]), *daily[k]) for k in sorted(daily)],
            )


SEPARATOR = "\x1f"


def _text_col(name: str) -> str:
    # A joined text column starts with a separator, so even one empty value splits into one element:
    # string_to_array('', ...) is an empty array, string_to_array('<sep>', ...)[2:] is {''}.
    return f"(string_to_array(%({name})s, E'\\x1f'))[2:]"


def _key_col(name: str) -> str:
    return f"(string_to_array(%({name})s, E'\\x1f', ''))[2:]"  # '' is NULL: keys are never empty


def _int_col(name: str) -> str:
    return f"string_to_array(%({name})s, ',')::bigint[]"


def _bool_col(name: str) -> str:
    return f"string_to_array(%({name})s, ',')::boolean[]"


def _at(expression: str) -> str:
    return f"timestamptz 'epoch' + {expression} * interval '1 microsecond'"


def _micros(column: str) -> str:
    return f"(extract(epoch FROM {column}) * 1000000)::bigint"


def _joined(values: Iterable[str]) -> str:
    return SEPARATOR + SEPARATOR.join(values)


def _ints(values: Iterable[int]) -> str:
    return ",".join(map(str, values))


# Inserted events go straight into both rollup tables: `ins` holds exactly the rows whose key the
# key table let in, grouped and sorted by rollup key so concurrent batches lock rows in one order.
_STORE_PG = f"""
WITH u AS (
    SELECT * FROM unnest({_text_col("c")}::uuid[], {_text_col("f")}, {_text_col("p")}, {_text_col("m")},
        {_int_col("i")}, {_int_col("o")}, {_int_col("ci")}, {_int_col("cost")}, {_bool_col("priced")},
        {_int_col("at")}, {_key_col("k")}, {_text_col("t")})
        AS u(c, f, p, m, i, o, ci, cost, priced, at, k, t)
), keys AS (
    {_KEYS_INSERT.format(rows=f"SELECT %(org)s::uuid, u.k, {_at('u.at')} FROM u WHERE u.k IS NOT NULL")}
), ins AS (
    INSERT INTO margins_costevent ({_EVENT_COLUMNS})
    SELECT %(org)s::uuid, u.c, u.f, u.p, u.m, u.i, u.o, u.ci, u.cost, u.priced, {_at("u.at")}, u.k,
        u.t::jsonb, %(now)s
    FROM u WHERE u.k IS NULL OR u.k IN (SELECT idempotency_key FROM keys)
    RETURNING customer_id, (occurred_at AT TIME ZONE 'UTC')::date AS day, feature, model, provider,
        cost_micro, priced, input_tokens, output_tokens, cached_input_tokens
), rollups AS (
    {
    _ROLLUP_UPSERT.format(
        rows='''
    SELECT %(org)s::uuid, customer_id, day, feature, model, provider, sum(cost_micro), count(*),
        count(*) FILTER (WHERE NOT priced), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens)
    FROM ins GROUP BY customer_id, day, feature, model, provider
    ORDER BY customer_id, day, feature, model, provider'''
    )
}
), daily AS (
    {
    _DAILY_UPSERT.format(
        rows='''
    SELECT %(org)s::uuid, customer_id, day, sum(cost_micro), count(*)
    FROM ins GROUP BY customer_id, day ORDER BY customer_id, day'''
    )
}
)
SELECT count(*), count(*) FILTER (WHERE NOT priced), array_agg(DISTINCT customer_id::text) FROM ins
"""  # noqa: S608 (fixed fragments only; every value is a parameter)

# The same with each event's cost converted at its day's rate (a non-USD reporting currency):
# the rates travel as arrays of (day, target per euro, USD per euro), joined on the event's day.
_CONVERTED = HALF_EVEN_SQL.format(x="(ins.cost_micro * r.num / r.den)")
_STORE_PG_CONVERTED = (
    _STORE_PG.replace(
        "), rollups AS (",
        f"""), rates AS (
    SELECT * FROM unnest(string_to_array(%(rd)s, ',')::date[], string_to_array(%(rn)s, ',')::numeric[],
        string_to_array(%(rdn)s, ',')::numeric[]) AS r(day, num, den)
), conv AS (
    SELECT ins.*, {_CONVERTED} AS rcost FROM ins JOIN rates r ON r.day = ins.day
), rollups AS (""",  # noqa: S608 (fixed fragments only; the rates are parameters)
    )
    .replace("sum(cost_micro)", "sum(rcost)")
    .replace("FROM ins GROUP BY", "FROM conv GROUP BY")
)

_CUSTOMERS_SELECT_PG = f"""
SELECT external_id, id::text, name, email, {_micros("first_seen_at")}, {_micros("last_seen_at")}
FROM margins_customer WHERE org_id = %(org)s AND external_id = ANY({_text_col("e")})
"""  # noqa: S608

_CUSTOMERS_UPSERT_PG = _CUSTOMER_UPSERT.format(
    rows=f"""SELECT u.id, %(org)s::uuid, u.e, u.n, u.m, {_at("u.f")}, {_at("u.l")}
    FROM unnest({_text_col("id")}::uuid[], {_text_col("e")}, {_text_col("n")}, {_text_col("m")},
        {_int_col("f")}, {_int_col("l")}) AS u(id, e, n, m, f, l)""",  # noqa: S608
    least="LEAST",
    greatest="GREATEST",
)


class PostgresWriter(Writer):
    """The same contract in a few statements. Columns travel as delimited text.

    A 1,000-row batch sent as typed arrays costs psycopg about a microsecond per element to encode
    (12 ms a batch); a column joined into one string costs a few microseconds for the whole column,
    and PostgreSQL splits it with string_to_array. The separator is the ASCII unit separator, which
    validation refuses in every string (JSON escapes it in tags), so it never occurs inside a value.
    Times travel as integer microseconds since the epoch, exact and cheap to convert.
    """

    def _customers_select(self, external_ids: Sequence[str]) -> dict[str, tuple]:
        if not external_ids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(_CUSTOMERS_SELECT_PG, {"org": self.org_id, "e": _joined(external_ids)})
            return {row[0]: row[1:] for row in cursor.fetchall()}

    def _customers_upsert(self, rows: list[tuple[str, CustomerSeen, object]]) -> None:
        params = {
            "org": self.org_id,
            "id": _joined(str(cid) for _, _, cid in rows),
            "e": _joined(e for e, _, _ in rows),
            "n": _joined(s.name or "" for _, s, _ in rows),
            "m": _joined(s.email or "" for _, s, _ in rows),
            "f": _ints(s.first for _, s, _ in rows),
            "l": _ints(s.last for _, s, _ in rows),
        }
        with connection.cursor() as cursor:
            cursor.execute(_CUSTOMERS_UPSERT_PG, params)

    def events_store(self, rows: Sequence[EventRow], *, now: datetime) -> Stored:
        if not rows:
            return Stored(0, 0, frozenset())
        params = {
            "org": self.org_id,
            "now": now,
            "c": _joined(str(r.customer_id) for r in rows),
            "f": _joined(r.feature for r in rows),
            "p": _joined(r.provider for r in rows),
            "m": _joined(r.model for r in rows),
            "i": _ints(r.input_tokens for r in rows),
            "o": _ints(r.output_tokens for r in rows),
            "ci": _ints(r.cached_input_tokens for r in rows),
            "cost": _ints(r.cost_micro for r in rows),
            "priced": ",".join(["t" if r.priced else "f" for r in rows]),
            "at": _ints(r.at_micros for r in rows),
            "k": _joined(r.idempotency_key or "" for r in rows),
            "t": _joined(r.tags_json for r in rows),
        }
        sql = _STORE_PG
        if self.rates is not None:
            sql = _STORE_PG_CONVERTED
            days = sorted({r.day for r in rows})
            params["rd"] = ",".join(day.isoformat() for day in days)
            params["rn"] = ",".join(str(self.rates[day][0]) for day in days)
            params["rdn"] = ",".join(str(self.rates[day][1]) for day in days)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            accepted, unpriced, customer_ids = cursor.fetchone()
        return Stored(accepted, unpriced, frozenset(customer_ids or ()))


def writer_for(org_id: uuid.UUID) -> Writer:
    return PostgresWriter(org_id) if connection.vendor == "postgresql" else Writer(org_id)
