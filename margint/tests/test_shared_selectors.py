"""The cross-app reads every margin number is built from: exact sums, half-open days, org scoping."""

from __future__ import annotations

from datetime import date

from billing import selectors as billing_selectors
from billing.tests.factories import add_revenue
from mappings.models import CustomerMapping
from mappings.selectors import counting_mappings
from margins.costs import selectors as cost_selectors
from margins.tests.factories import add_cost


def test_cost_reads_are_half_open_and_scoped_to_the_org(org, other_org):
    add_cost(org, "acme", date(2026, 1, 31), 100)
    add_cost(org, "acme", date(2026, 2, 1), 7, model="gpt-4o-mini", feature="search")
    add_cost(org, "acme", date(2026, 2, 28), 5)
    add_cost(other_org, "acme", date(2026, 2, 2), 1_000_000)
    feb = dict(start=date(2026, 2, 1), end=date(2026, 3, 1))
    assert cost_selectors.cost_by_customer(org=org, **feb) == {"acme": cost_selectors.CostTotals(12, 2)}
    assert cost_selectors.cost_by_customer(org=org, features=["search"], **feb)["acme"].cost_micro == 7
    assert cost_selectors.cost_total(org=org, **feb) == 12
    months = cost_selectors.cost_by_customer_month(org=org, start=date(2026, 1, 1), end=date(2026, 3, 1))
    assert months == {("acme", date(2026, 1, 1)): 100, ("acme", date(2026, 2, 1)): 12}
    by_model = cost_selectors.cost_breakdown(org=org, external_id="acme", by="model", **feb)
    assert [(r.key, r.cost_micro) for r in by_model] == [("gpt-4o-mini", 7), ("gpt-4o", 5)]


def test_revenue_reads_sum_days_per_customer_and_month(org, other_org):
    add_revenue(org, "cus_a", date(2026, 1, 31), 10)
    add_revenue(org, "cus_a", date(2026, 2, 1), 20)
    add_revenue(org, "cus_b", date(2026, 2, 14), 30)
    add_revenue(other_org, "cus_a", date(2026, 2, 1), 999)
    feb = dict(start=date(2026, 2, 1), end=date(2026, 3, 1))
    assert billing_selectors.revenue_by_customer(org=org, **feb) == {"cus_a": 20, "cus_b": 30}
    assert billing_selectors.revenue_total(org=org, **feb) == 50
    months = billing_selectors.revenue_by_customer_month(
        org=org, start=date(2026, 1, 1), end=date(2026, 3, 1)
    )
    assert months[("cus_a", date(2026, 1, 1))] == 10 and months[("cus_a", date(2026, 2, 1))] == 20


def test_sync_status_without_a_connection(org):
    status = billing_selectors.sync_status(org=org)
    assert (status.connected, status.status, status.last_sync_at) == (False, "not_connected", None)


def test_only_confirmed_and_pending_mappings_count(org, other_org):
    CustomerMapping.objects.create(org=org, stripe_customer_id="cus_1", tag_value="acme", status="confirmed")
    CustomerMapping.objects.create(
        org=org, stripe_customer_id="cus_2", tag_value="acme", status="pending", match_type="auto"
    )
    CustomerMapping.objects.create(
        org=org, stripe_customer_id="cus_3", tag_value="beta", status="suggested", match_type="auto"
    )
    CustomerMapping.objects.create(org=other_org, stripe_customer_id="cus_9", tag_value="acme")
    links = counting_mappings(org=org)
    assert [(m.stripe_customer_id, m.tag_value) for m in links] == [("cus_1", "acme"), ("cus_2", "acme")]
