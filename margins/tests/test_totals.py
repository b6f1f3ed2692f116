"""margins.totals: monthly totals kept per process and brought up to date from the rows written since."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.db import connection, transaction

from margins import memo, monthly
from margins.calculations import Month
from margins.models import Customer, CustomerDailyCost
from margins.selectors import monthly_cost, monthly_revenue
from margins.tests.factories import add_cost, add_revenue, map_tag
from margins.totals import adopt_state, read_totals, shared_state, state_namespace

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


def shared_by_another_process(org):
    """The totals a process shares, and this process as one started anew: keeping nothing."""
    read = read_totals(org=org, months=MONTHS)
    state = shared_state(org=org, months=MONTHS, generation=read.generation)
    memo.clear()
    return state


def test_adopted_totals_are_brought_up_to_date_from_the_other_process_read(kept, django_assert_num_queries):
    state = shared_by_another_process(kept)
    add_cost(kept, "acme", date(2026, 4, 5), 1)
    add_cost(kept, "gamma", date(2026, 2, 1), 4)
    add_revenue(kept, "cus_b", date(2026, 3, 3), 60)
    adopted = adopt_state(org=kept, months=MONTHS, state=state)
    assert adopted is not None
    with django_assert_num_queries(1):
        read = read_totals(org=kept, months=MONTHS)
    cost_keys, stripe_ids = read.changes_since(adopted)
    assert {"acme", "gamma"} <= cost_keys
    assert "cus_b" in stripe_ids
    assert read.cost == {"acme": (0, 10, 21), "beta": (0, 0, 30), "gamma": (4, 0, 0)}
    assert_same_as_a_full_read(kept)


def test_totals_are_adopted_only_by_a_process_that_keeps_none(kept):
    state = shared_by_another_process(kept)
    read_totals(org=kept, months=MONTHS)
    assert adopt_state(org=kept, months=MONTHS, state=state) is None


def test_only_the_generation_asked_for_is_shared(kept):
    before = read_totals(org=kept, months=MONTHS)
    add_cost(kept, "acme", date(2026, 4, 5), 1)
    after = read_totals(org=kept, months=MONTHS)
    assert shared_state(org=kept, months=MONTHS, generation=before.generation) is None
    assert shared_state(org=kept, months=MONTHS, generation=after.generation) is not None


def test_adopted_totals_of_rows_deleted_since_are_read_in_full(kept, django_assert_num_queries):
    state = shared_by_another_process(kept)
    CustomerDailyCost.objects.filter(customer__external_id="beta").delete()
    Customer.objects.filter(org=kept, external_id="beta").delete()
    adopted = adopt_state(org=kept, months=MONTHS, state=state)
    with django_assert_num_queries(2):
        read = read_totals(org=kept, months=MONTHS)
    assert read.changes_since(adopted) is None
    assert "beta" not in read.cost
    assert_same_as_a_full_read(kept)


def test_the_namespace_names_the_database_even_without_access_to_the_control_data(
    requires_postgres, transactional_db
):
    full = state_namespace()
    role = f"margint_no_control_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:  # committed (no transaction, as in production), then undone
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute("REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC")
        try:
            cursor.execute(f"SET ROLE {role}")
            fallback = state_namespace()
        finally:
            cursor.execute("RESET ROLE")
            cursor.execute("GRANT EXECUTE ON FUNCTION pg_control_system() TO PUBLIC")
            cursor.execute(f"DROP ROLE {role}")
    assert full.startswith("1:") and not full.startswith("1:started-")
    assert fallback.startswith("1:started-") and fallback != full
    assert fallback.rsplit(".", 1)[1] == full.rsplit(".", 1)[1]  # the same database oid
