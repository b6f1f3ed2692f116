"""A read started aside runs on another connection outside a transaction, and here inside one."""

from __future__ import annotations

import contextvars
import threading
import time

import pytest
from django.db import connection

from margint.models import Organization
from margint.reads import read_aside

_request = contextvars.ContextVar("request", default="none")


def _backend() -> tuple[int, int | None]:
    """This thread's id and its connection's PostgreSQL backend (None elsewhere)."""
    if connection.vendor != "postgresql":
        return threading.get_ident(), None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return threading.get_ident(), cursor.fetchone()[0]


def _parallel_workers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


def _fails() -> None:
    raise LookupError("no such thing")


def test_inside_a_transaction_the_read_runs_here_and_sees_its_writes(org):
    # The test runs in a transaction, as a request with writes of its own would.
    Organization.objects.create(name="Written in this transaction")
    here = _backend()
    read = read_aside(lambda: (_backend(), Organization.objects.filter(name__startswith="Written").count()))
    assert read.done()
    assert read.result() == (here, 1)


def test_inside_a_transaction_an_error_is_raised_where_the_result_is_asked(org):
    read = read_aside(_fails)
    with pytest.raises(LookupError, match="no such thing"):
        read.result()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_read_runs_on_another_connection(requires_postgres):
    Organization.objects.create(name="Committed")
    here = _backend()
    token = _request.set("req-1")
    try:
        read = read_aside(
            lambda: (_backend(), _request.get(), Organization.objects.filter(name="Committed").count())
        )
        (thread, backend), seen_request, count = read.result(timeout=30)
    finally:
        _request.reset(token)
    assert thread != here[0] and backend != here[1]  # another thread, another PostgreSQL session
    assert (seen_request, count) == ("req-1", 1)  # the caller's context, committed rows
    with pytest.raises(LookupError):
        read_aside(_fails).result(timeout=30)
    # The reads aside are the parallelism: their sessions start no parallel workers of their own.
    assert read_aside(_parallel_workers).result(timeout=30) == "0"
    assert _parallel_workers() != "0"
    # Each read has a connection of its own, closed after it: none is left open on the database.
    first, second = read_aside(_backend).result(timeout=30), read_aside(_backend).result(timeout=30)
    assert first[1] != second[1]
    assert _other_sessions_after_they_end() == 0


def _other_sessions_after_they_end(seconds: float = 5.0) -> int:
    """The database's sessions but this one, once the closed ones are gone: a backend leaves
    pg_stat_activity a moment after its client closed the connection, not at once."""
    deadline = time.monotonic() + seconds
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            others = cursor.fetchone()[0]
        if others == 0 or time.monotonic() > deadline:
            return others
        time.sleep(0.05)
