"""margins.totals: monthly totals kept per process and brought up to date from the rows written since."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction

from margins import monthly
from margins.calculations import Month
from margins.models import Customer, CustomerDailyCost
from margins.selectors import monthly_cost, monthly_revenue
from margins.tests.factories import add_cost, add_revenue, map_tag
from margins.totals import read_totals

pytestmark = pytest.mark.postgres
MONTHS = Month(2026, 4).months_back(3)


def assert_same_as_a_full_read(org) -> None:
    read = read_totals(org=org, months=MONTHS)
    assert read.cost == monthly_cost(org=org, months=MONTHS)
    assert read.revenue == monthly_revenue(org=org, months=MONTHS)


@pytest.fixture
def kept(requires_postgres, transactional_db, org, other_org):
    # Committed writes, as in production: the kept totals follow transaction ids.
    map_tag(org, "cus_a", "acme")
    add_cost(org, "acme", date(2026, 3, 5), 10)
    add_cost(org, "acme", date(2026, 4, 5), 20)
    add_cost(org, "beta", date(2026, 4, 6), 30)
    add_revenue(org, "cus_a", date(2026, 4, 2), 500)
    add_cost(other_org, "acme", date(2026, 4, 5), 7)
    assert_same_as_a_full_read(org)
    return org


def test_changed_and_new_rows_are_applied_to_the_kept_totals(kept, other_org, django_assert_num_queries):
    add_cost(kept, "acme", date(2026, 4, 5), 1)  # a changed monthly row
    add_cost(kept, "gamma", date(2026, 2, 1), 4)  # a new customer
    add_cost(kept, "beta", date(2026, 3, 9), 5)  # a new month of a known customer
    add_revenue(kept, "cus_b", date(2026, 3, 3), 60)
    add_cost(other_org, "beta", date(2026, 4, 6), 100)  # another org's cost changes nothing here
    add_cost(kept, "acme", date(2025, 12, 31), 100)  # outside the months
    with django_assert_num_queries(1):
        read = read_totals(org=kept, months=MONTHS)
    assert read.cost == {"acme": (0, 10, 21), "beta": (0, 5, 30), "gamma": (4, 0, 0)}
    assert read.revenue == {"cus_a": (0, 0, 500), "cus_b": (0, 60, 0)}
    assert_same_as_a_full_read(kept)


def test_unchanged_totals_are_read_as_a_version_only(kept, django_assert_num_queries):
    before = read_totals(org=kept, months=MONTHS)
    with django_assert_num_queries(1):
        again = read_totals(org=kept, months=MONTHS)
    assert (again.version, again.cost, again.revenue) == (before.version, before.cost, before.revenue)


def test_deleted_rows_make_the_totals_read_in_full(kept, django_assert_num_queries):
    # Deleting a customer deletes its monthly rows: nothing is left to read as a change.
    CustomerDailyCost.objects.filter(customer__external_id="beta").delete()
    Customer.objects.filter(org=kept, external_id="beta").delete()
    with django_assert_num_queries(2):
        read = read_totals(org=kept, months=MONTHS)
    assert "beta" not in read.cost
    assert_same_as_a_full_read(kept)


def test_a_rebuild_of_the_monthly_rows_is_followed(kept):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE margins_customermonthlycost SET cost_micro = 0")  # a drift to repair
    assert read_totals(org=kept, months=MONTHS).cost["acme"] == (0, 0, 0)
    with transaction.atomic():
        monthly.rebuild(connection, org_id=kept.pk)
    assert read_totals(org=kept, months=MONTHS).cost == {"acme": (0, 10, 20), "beta": (0, 0, 30)}
    assert_same_as_a_full_read(kept)
