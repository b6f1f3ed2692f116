"""The demo loads revenue through the real connect and sync, against the double on loopback."""

from __future__ import annotations

import socket
from datetime import date

from billing import demo
from billing.models import StripeConnection, StripeCustomer, SyncRun
from billing.selectors import revenue_by_customer_month
from margins.costs.demo_customers import DEMO_CUSTOMERS
from margint.demo import DemoContext

TODAY = date(2026, 5, 14)


def context(org) -> DemoContext:
    return DemoContext(org=org, today=TODAY, log=lambda _line: None)


def test_the_demo_bills_the_cost_sides_demo_customers_plus_stripe_only_ones(org):
    ctx = context(org)

    demo.load(ctx, customers=DEMO_CUSTOMERS)

    billed = [c for c in DEMO_CUSTOMERS if c[3] > 0]
    run = SyncRun.objects.get(org=org)
    assert (run.trigger, run.status) == ("demo", "succeeded")
    assert run.stats["customersProcessed"] == len(billed) + len(demo.STRIPE_ONLY)
    assert run.stats["skippedCurrencies"] == {"eur": run.stats["invoicesSkipped"]}
    assert run.stats["invoicesSkipped"] > 0
    tagged = StripeCustomer.objects.filter(org=org, metadata__has_key="margint_customer").count()
    assert tagged == len(billed) - len(billed) // demo.EMAIL_ONLY_EVERY
    assert StripeConnection.objects.get(org=org).status == "active"
    assert ctx.notes and "test double" in ctx.notes[0]


def test_the_demo_bills_the_cost_sides_customers_when_it_is_given_them(org):
    customers = [
        ("acme-robotics", "Acme Robotics", "ap@acme.test", 49_900, 20_000_000, "Growth"),
        ("bluth-ai", "Bluth AI", "ops@bluth.test", 9_900, 15_000_000, "Starter"),
        ("wayne-labs", "Wayne Labs", "fin@wayne.test", 100_000, 30_000_000, "Enterprise annual"),
    ]

    demo.load(context(org), customers=customers)

    tagged = StripeCustomer.objects.filter(org=org, metadata__has_key="margint_customer")
    customers = {c.metadata["margint_customer"]: c for c in tagged}
    assert {tag: c.name for tag, c in customers.items()} == {
        "acme-robotics": "Acme Robotics", "bluth-ai": "Bluth AI", "wayne-labs": "Wayne Labs",
    }  # fmt: skip
    months = revenue_by_customer_month(org=org, start=date(2026, 3, 1), end=date(2026, 4, 1))
    # A full past month of each plan: the monthly price, to the micro-unit.
    assert months[(customers["acme-robotics"].stripe_id, date(2026, 3, 1))] == 499_000_000
    assert months[(customers["bluth-ai"].stripe_id, date(2026, 3, 1))] == 99_000_000
    annual = revenue_by_customer_month(org=org, start=date(2025, 12, 1), end=date(2026, 12, 1))
    assert (
        sum(v for (sid, _), v in annual.items() if sid == customers["wayne-labs"].stripe_id) == 12_000_000_000
    )


def test_the_double_is_stopped_after_the_load(org, monkeypatch):
    started = []
    real_serve = demo.serve

    def recording_serve(dataset):
        server = real_serve(dataset)
        started.append(server)
        return server

    monkeypatch.setattr(demo, "serve", recording_serve)

    demo.load(context(org))

    with socket.socket() as probe:
        assert probe.connect_ex((started[0].host, started[0].port)) != 0
