"""Demo revenue, loaded the way a customer's is: connect a key, run the sync.

The Stripe account is the test double, served on a free loopback port for the time of the load:
the real connect service checks the key against it, the real sync reads it page by page, then
the server stops. When the cost side's demo customers exist (`margins.demo_customers`), the
account bills exactly those customers, tagged with their ids, so both sides meet; otherwise it
is the double's own demo account.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.test.utils import override_settings

from billing.services import stripe_connect
from billing.stripe_double import DEFAULT_API_KEY, Line, StripeDataset, advance, demo_dataset, serve, to_epoch
from billing.stripe_double.customer_history import TAG_KEY
from billing.stripe_double.scenarios import month_start
from billing.sync import revenue_sync_run
from margint.demo import DemoContext

MONTHS = 5
DEMO_WEBHOOK_SECRET = "whsec_margint_demo_0000000000"


def load(ctx: DemoContext) -> None:
    customers = cost_side_customers()
    dataset = aligned_dataset(customers, as_of=ctx.today) if customers else demo_dataset(as_of=ctx.today)
    with serve(dataset) as server, override_settings(STRIPE_API_BASE=server.url):
        stripe_connect(
            org=ctx.org, stripe_key=DEFAULT_API_KEY, webhook_secret=DEMO_WEBHOOK_SECRET, start_sync=False
        )
        run = revenue_sync_run(org=ctx.org, trigger="demo")
    if run.status != "succeeded":
        raise RuntimeError(f"demo revenue sync failed: {run.error}")
    stats = run.stats
    ctx.log(
        f"demo: synced {stats['invoicesFetched']} invoices of {stats['customersProcessed']} Stripe customers "
        f"({stats['invoicesSkipped']} skipped in other currencies)"
    )
    ctx.notes.append(
        "Revenue was synced from a local Stripe test double that is stopped now; "
        "connect a real restricted key (Settings, Stripe) to sync your own account."
    )


def cost_side_customers() -> list[tuple]:
    """The cost side's DEMO_CUSTOMERS when that module exists, else an empty list."""
    try:
        module = importlib.import_module("margins.demo_customers")
    except ModuleNotFoundError as error:
        if error.name not in ("margins.demo_customers", "margins"):
            raise
        return []
    return list(getattr(module, "DEMO_CUSTOMERS", []))


def aligned_dataset(customers: Sequence[Sequence[Any]], *, as_of: date) -> StripeDataset:
    """A Stripe account billing the cost side's customers.

    Each entry is (external_id, name, email, monthly_revenue_usd_cents, monthly_cost_target,
    plan, ...): a subscription at that monthly price, paid on the 1st of each month for the last
    MONTHS months and this one, tagged `metadata.margint_customer = external_id`. A plan whose
    name says "annual" bills twelve months at once, at the start of the history.
    """
    dataset = StripeDataset(id_namespace=f"demo-aligned-{as_of}")
    start = month_start(as_of, MONTHS)
    prices: dict[tuple[int, str, str], dict] = {}
    for external_id, name, email, monthly_cents, _cost, plan, *_ in customers:
        annual = "annual" in str(plan).lower()
        key = (int(monthly_cents), str(plan), "year" if annual else "month")
        if key not in prices:
            amount = key[0] * 12 if annual else key[0]
            prices[key] = dataset.add_price(
                unit_amount=amount, created=start, nickname=str(plan), interval=key[2]
            )
        customer = dataset.add_customer(
            created=start, name=name, email=email, metadata={TAG_KEY: external_id}, external_tag=external_id
        )
        _bill(dataset, customer["id"], prices[key], as_of)
    return dataset


def _bill(dataset: StripeDataset, customer: str, price: dict, as_of: date) -> None:
    interval = price["recurring"]["interval"]
    sub = dataset.add_subscription(
        customer=customer, items=[(price["id"], 1)], created=month_start(as_of, MONTHS)
    )
    cycle, end = month_start(as_of, MONTHS), to_epoch(as_of)
    while cycle <= end:
        following = advance(cycle, interval)
        dataset.add_invoice(
            customer=customer,
            subscription=sub["id"],
            created=cycle,
            paid_at=min(cycle + 3600, end),
            lines=[
                Line(amount=price["unit_amount"], period_start=cycle, period_end=following, price=price["id"])
            ],
        )
        cycle = following
