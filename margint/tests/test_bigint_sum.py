"""bigint_sum: an exact sum of bigints that answers an integer on both backends, and refuses to overflow."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction

from margint.sql import bigint_sum

# Amounts past 2**53, where a float would round, and signs that cancel.
AMOUNTS = [2**62 - 1, -(2**61), 7, -(2**53) - 1, 3]


def summed(amounts: list[int], where: str = "") -> object:
    rows = " UNION ALL ".join(["SELECT CAST(%s AS BIGINT) AS amount"] * len(amounts))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {bigint_sum('amount')} FROM ({rows}) AS t {where}", amounts)
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_sum_is_the_exact_integer():
    total = summed(AMOUNTS)
    assert total == sum(AMOUNTS)
    assert type(total) is int


@pytest.mark.django_db
def test_no_rows_sum_to_null_as_sum_does():
    assert summed([1, 2], where="WHERE amount > 5") is None


@pytest.mark.postgres
def test_postgres_refuses_a_sum_past_the_bigint_range(requires_postgres):
    with pytest.raises(DataError), transaction.atomic():
        summed([2**63 - 1, 1])
