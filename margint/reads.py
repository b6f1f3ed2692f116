"""Reads on connections of their own, so that independent statements run at once.

A request waits while PostgreSQL runs a statement, and one statement runs on one core. The v1
customer list's two longest reads (cost and revenue of every customer) are independent of each
other and of the smaller reads around them, as the margin table's cost and org totals are of its
revenue: started aside, each on a thread with its own connection, they run on the machine's cores
while the caller reads the rest and turns it into Python. The sessions aside run without
PostgreSQL's parallel workers: the reads beside each other are the parallelism, and workers of
their own would only compete with them for the same cores (on two cores, the list's reads took
~100 ms instead of ~145 with workers, ~165 one after another).

Only outside a transaction: inside one, another connection would not see what the transaction
wrote nor share its snapshot, so the read runs here, at once, as it would without this module.
The same on a database other than PostgreSQL (SQLite takes one statement at a time anyway).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from django.db import connection

T = TypeVar("T")

# Two threads per process, started on the first read (after a server forks its workers).
_aside = ThreadPoolExecutor(max_workers=2, thread_name_prefix="margint-read")


def read_aside(read: Callable[[], T]) -> Future[T]:
    """`read()` started on a connection of its own; its result (or its error) is the future's."""
    if connection.in_atomic_block or connection.vendor != "postgresql":
        done: Future[T] = Future()
        try:
            done.set_result(read())
        except Exception as error:  # raised again by result(), where the caller waits for it
            done.set_exception(error)
        return done
    return _aside.submit(_on_own_connection, contextvars.copy_context(), read)


def _on_own_connection(context: contextvars.Context, read: Callable[[], T]) -> T:
    # A connection of its own for each read, closed after it: opening one (a few ms) overlaps the
    # caller's work, and no connection outlives its read to go stale or hold a database open.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
        return context.run(read)
    finally:
        connection.close()
