"""Pieces of the hand-written SQL statements that every app shares."""

from __future__ import annotations

from uuid import UUID

from django.db import connection
from django.db.models import UUIDField


def bigint_sum(expression: str) -> str:
    """The sum of a bigint expression, as a bigint.

    PostgreSQL's SUM(bigint) adds in a 128-bit state and answers numeric (a Decimal in Python,
    hence the CASTs it needs); `bigint_sum` (margint migration 0002) adds with the bigint `+`,
    state by value: a quarter less time over the v1 list's monthly rows, and an overflow
    is an error, as the CAST's would be. SQLite's SUM of integers is already an integer.
    """
    return f"bigint_sum({expression})" if connection.vendor == "postgresql" else f"SUM({expression})"


def uuid_param(value: UUID) -> object:
    """A UUID (an org's id) as a hand-written statement's parameter on this database: a uuid on
    PostgreSQL, the 32 hex characters Django stores on SQLite."""
    return UUIDField().get_db_prep_value(value, connection)
