"""The monthly totals stay equal to the sums of their daily rows, whatever writes the days."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from billing.models import RevenueDaily
from margins.models import CustomerDailyCost, CustomerMonthlyCost, CustomerMonthlyRevenue
from margins.tests.factories import (
    CostCustomerFactory,
    CustomerDailyCostFactory,
    add_cost,
    add_revenue,
)


def monthly_cost(org) -> dict[tuple[str, date], tuple[int, int]]:
    rows = CustomerMonthlyCost.objects.filter(org=org).values_list(
        "customer__external_id", "month", "cost_micro", "request_count"
    )
    return {(ext, month): (cost, requests) for ext, month, cost, requests in rows}


def monthly_revenue(org) -> dict[tuple[str, date], int]:
    rows = CustomerMonthlyRevenue.objects.filter(org=org).values_list(
        "stripe_customer__stripe_id", "month", "amount_micro"
    )
    return {(sid, month): amount for sid, month, amount in rows}


def test_inserted_and_incremented_days_add_up_per_calendar_month(org):
    add_cost(org, "acme", date(2026, 3, 31), 100, requests=2)
    add_cost(org, "acme", date(2026, 4, 1), 7)
    add_cost(org, "acme", date(2026, 4, 30), 5, model="gpt-4o-mini")
    add_cost(org, "acme", date(2026, 4, 30), 3, model="gpt-4o-mini")
    add_cost(org, "beta", date(2026, 4, 15), 11)
    assert monthly_cost(org) == {
        ("acme", date(2026, 3, 1)): (100, 2),
        ("acme", date(2026, 4, 1)): (15, 3),
        ("beta", date(2026, 4, 1)): (11, 1),
    }


def test_moving_and_deleting_days_move_and_remove_their_amounts(org):
    add_cost(org, "acme", date(2026, 4, 10), 40)
    add_cost(org, "acme", date(2026, 4, 11), 2)
    CustomerDailyCost.objects.filter(org=org, day=date(2026, 4, 10)).update(day=date(2026, 5, 2))
    assert monthly_cost(org) == {("acme", date(2026, 4, 1)): (2, 1), ("acme", date(2026, 5, 1)): (40, 1)}
    CustomerDailyCost.objects.filter(org=org).delete()
    assert monthly_cost(org) == {("acme", date(2026, 4, 1)): (0, 0), ("acme", date(2026, 5, 1)): (0, 0)}


def test_bulk_upsert_of_days_is_counted_once(org):
    customer = CostCustomerFactory(org=org, external_id="acme")
    CustomerDailyCostFactory(org=org, customer=customer, day=date(2026, 4, 1), cost_micro=10, request_count=1)
    batch = [
        CustomerDailyCost(org=org, customer=customer, day=date(2026, 4, 1), cost_micro=5, request_count=1),
        CustomerDailyCost(org=org, customer=customer, day=date(2026, 4, 2), cost_micro=7, request_count=2),
    ]
    # Ingestion's shape of write: one statement that inserts new days and overwrites existing ones.
    CustomerDailyCost.objects.bulk_create(
        batch,
        update_conflicts=True,
        unique_fields=["org", "customer", "day"],
        update_fields=["cost_micro", "request_count"],
    )
    assert monthly_cost(org) == {("acme", date(2026, 4, 1)): (12, 3)}


def test_revenue_months_follow_daily_revenue_including_credits(org):
    add_revenue(org, "cus_a", date(2026, 4, 1), 300)
    add_revenue(org, "cus_a", date(2026, 4, 20), -500)  # a credit note larger than the month
    add_revenue(org, "cus_a", date(2026, 5, 1), 90)
    assert monthly_revenue(org) == {("cus_a", date(2026, 4, 1)): -200, ("cus_a", date(2026, 5, 1)): 90}
    RevenueDaily.objects.filter(org=org, day=date(2026, 4, 20)).update(amount_micro=F("amount_micro") + 500)
    assert monthly_revenue(org)[("cus_a", date(2026, 4, 1))] == 300


def test_deleting_an_organization_takes_its_monthly_rows_along(org, other_org):
    add_cost(org, "acme", date(2026, 4, 1), 5)
    add_revenue(org, "cus_a", date(2026, 4, 1), 9)
    add_cost(other_org, "acme", date(2026, 4, 1), 6)
    org.delete()
    assert CustomerMonthlyCost.objects.filter(org_id=org.pk).count() == 0
    assert CustomerMonthlyRevenue.objects.filter(org_id=org.pk).count() == 0
    assert monthly_cost(other_org) == {("acme", date(2026, 4, 1)): (6, 1)}


def test_rebuild_command_repairs_totals_that_bypassed_the_triggers(org, other_org):
    add_cost(org, "acme", date(2026, 4, 3), 30)
    add_revenue(org, "cus_a", date(2026, 4, 3), 70)
    add_cost(other_org, "beta", date(2026, 4, 3), 8)
    CustomerMonthlyCost.objects.all().update(cost_micro=999)
    CustomerMonthlyRevenue.objects.all().update(amount_micro=1)
    out = io.StringIO()
    call_command("rebuild_monthly_totals", "--org", org.public_id, stdout=out)
    assert out.getvalue() == f"Monthly totals rebuilt for {org.public_id}.\n"
    assert monthly_cost(org) == {("acme", date(2026, 4, 1)): (30, 1)}
    assert monthly_revenue(org) == {("cus_a", date(2026, 4, 1)): 70}
    assert monthly_cost(other_org) == {("beta", date(2026, 4, 1)): (999, 1)}  # another org untouched
    call_command("rebuild_monthly_totals", stdout=out)
    assert monthly_cost(other_org) == {("beta", date(2026, 4, 1)): (8, 1)}


def test_triggers_survive_a_reinstall_without_double_counting(org):
    from margins import monthly

    monthly.install_triggers(connection)
    monthly.install_triggers(connection)
    add_cost(org, "acme", date(2026, 4, 3), 30)
    assert monthly_cost(org) == {("acme", date(2026, 4, 1)): (30, 1)}


@pytest.mark.postgres
def test_postgres_triggers_are_statement_level(requires_postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgtype & 1 FROM pg_trigger WHERE tgname LIKE 'margint_monthly_%%' ORDER BY tgname"
        )
        rows = cursor.fetchall()
    # Bit 0 of tgtype is set for row-level triggers: none of ours is.
    assert [name for name, _ in rows] == [
        "margint_monthly_cost_del",
        "margint_monthly_cost_ins",
        "margint_monthly_cost_upd",
        "margint_monthly_feature_daily_del",
        "margint_monthly_feature_daily_ins",
        "margint_monthly_feature_daily_upd",
        "margint_monthly_revenue_del",
        "margint_monthly_revenue_ins",
        "margint_monthly_revenue_upd",
    ]
    assert {level for _, level in rows} == {0}


def test_triggers_lost_to_a_table_rebuild_come_back_after_migrate(org):
    # SQLite alters a table by copying it, which drops its triggers; post_migrate reinstalls them.
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from margins import monthly

    monthly.drop_triggers(connection)
    add_cost(org, "acme", date(2026, 4, 3), 30)
    assert monthly_cost(org) == {}
    post_migrate.send(
        sender=apps.get_app_config("margins"),
        app_config=apps.get_app_config("margins"),
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )
    add_cost(org, "acme", date(2026, 4, 4), 12)
    assert monthly_cost(org) == {("acme", date(2026, 4, 1)): (12, 1)}


@pytest.mark.postgres
def test_postgres_monthly_cost_rows_leave_room_for_hot_updates(requires_postgres):
    # Ingestion's trigger updates these rows all day: spare room on each page and no index beyond
    # those the reads need keep the updates HOT, like the daily rows'.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'margins_customermonthlycost'")
        options = cursor.fetchone()[0]
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'margins_customermonthlycost' ORDER BY 1"
        )
        indexes = sorted(definition.split(" USING ")[1] for (definition,) in cursor.fetchall())
    assert options == ["fillfactor=70"]
    assert indexes == [
        "btree (customer_id)",
        "btree (id)",
        "btree (org_id, customer_id, month)",
        "btree (org_id, month)",
    ]
