"""Row versions of an org's rows, and process-local copies of reads keyed by them.

A PostgreSQL row's `xmin` is the id of the transaction that wrote that version of it. For one
org's rows of a table, the row count and the sum of `xmin` change with every committed insert,
update or delete, by any code path: a token that says "these rows are exactly as they were".
A read cached under that token can never be stale (values under a key never change).

Only outside transactions: inside `atomic` a reader sees its own uncommitted rows, and a row
written twice by one transaction keeps one `xmin`. On other databases there is no token and
nothing is kept.

`Reuse` is the other kind of copy: values kept with the very inputs they were built from, and
reused only for equal inputs, so it needs no version and works anywhere.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

from margint.models import Organization

T = TypeVar("T")


def versions_possible() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def rows_version_sql(model: type[Model], extra_where: str = "") -> str:
    """A scalar subquery: "<count>.<sum of xmin>" of the org's rows (first parameter: the org id)."""
    table = model._meta.db_table
    return (
        f"(SELECT count(*) || '.' || coalesce(sum(xmin::text::bigint), 0) FROM {table} "  # noqa: S608
        f"WHERE org_id = %s{extra_where})"
    )


def rows_version(parts: Sequence[tuple[str, Sequence[Any]]]) -> str:
    """Several `rows_version_sql` subqueries with their parameters, read in one query."""
    sql = "SELECT " + " || ':' || ".join(subquery for subquery, _ in parts)
    params = [param for _, part_params in parts for param in part_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


class LocalCopies:
    """The most recently used values of this process, by key (values never change under a key)."""

    def __init__(self, size: int, *, clear_with_memo: bool = False) -> None:
        self._size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        if clear_with_memo:
            _cleared_with_memo.append(self)

    def get(self, key: str) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._put(key, value)

    def put_new(self, key: str, value: Any) -> bool:
        """`put` unless the key has a value already (another thread's); True when put."""
        with self._lock:
            if key in self._items:
                return False
            self._put(key, value)
            return True

    def _put(self, key: str, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cleared_with_memo: list[LocalCopies] = []
_reads = LocalCopies(32, clear_with_memo=True)


def read_through(
    *, name: str, org: Organization, model: type[Model], read: Callable[[], T], version: str | None = None
) -> T:
    """`read()`, or this process's copy of it while the org's rows of `model` are unchanged.

    `version`: the rows' version if the caller has just read it (`rows_version_sql`), saving a query.
    """
    if not versions_possible():
        return read()
    version = version or rows_version([(rows_version_sql(model), [org.pk])])
    key = f"{name}:{org.pk}:{version}"
    value = _reads.get(key)
    if value is None:
        value = read()
        _reads.put(key, value)
    return value


class Reuse:
    """Per-item values rebuilt only for the items whose inputs changed since the scope's last round.

    A scope (say, one org's table of one month) keeps its last round: {item: (inputs, value)}.
    The next round gives each item's inputs again; an item whose inputs are the same object or
    equal to the kept ones gets the kept value, any other is built. Nothing can be stale: a value
    is reused only for the very inputs it was built from. Rounds replace each other whole, so a
    scope holds only its current items.
    """

    def __init__(self, scopes: int) -> None:
        self._rounds = LocalCopies(scopes, clear_with_memo=True)

    def round(self, scope: str) -> ReuseRound:
        return ReuseRound(self, scope, self._rounds.get(scope) or {})

    def _keep(self, scope: str, items: dict[Any, tuple[Any, Any]]) -> None:
        self._rounds.put(scope, items)


class ReuseRound:
    def __init__(self, reuse: Reuse, scope: str, previous: dict[Any, tuple[Any, Any]]) -> None:
        self._reuse, self._scope, self._previous = reuse, scope, previous
        self._items: dict[Any, tuple[Any, Any]] = {}
        self.built = 0

    def value(self, item: Any, inputs: Any, build: Callable[[], T]) -> T:
        kept = self._previous.get(item)
        if kept is not None and (kept[0] is inputs or kept[0] == inputs):
            value = kept[1]
        else:
            value = build()
            self.built += 1
        self._items[item] = (inputs, value)
        return value

    def keep(self) -> None:
        """End the round: its items are what the next round of the scope compares with."""
        self._reuse._keep(self._scope, self._items)


def clear() -> None:
    """Forget this process's copies and reused values (tests, the benchmark's cold runs)."""
    for copies in _cleared_with_memo:
        copies.clear()
