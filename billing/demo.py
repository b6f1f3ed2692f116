"""Demo revenue, loaded the way a customer's is: connect a key, run the sync.

The Stripe account is the test double, served on a free loopback port for the time of the load:
the real connect service checks the key against it, the real sync reads it page by page, then
the server stops. When the demo loader passes the cost side's demo customers (billing does not
import the cost side: the two fact sources stay independent), the account bills exactly those
customers, tagged with their ids, so both sides meet; otherwise it is the double's own demo account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.test.utils import override_settings

from billing.services import stripe_connect
from billing.sync import revenue_sync_run
from margint.demo import DemoContext
from stripe_double import DEFAULT_API_KEY, Line, StripeDataset, advance, demo_dataset, serve, to_epoch
from stripe_double.customer_history import TAG_KEY
from stripe_double.scenarios import month_start

MONTHS = 5
DEMO_WEBHOOK_SECRET = "whsec_margint_demo_0000000000"


def load(ctx: DemoContext, *, customers: Sequence[tuple] = ()) -> None:
    """customers: the cost side's demo customers (external id, name, email, price, cost, plan)."""
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


# Stripe-only customers: revenue with no cost tag, so the unmatched queue has work, and one
# billing in euros, which a USD organization skips and counts.
STRIPE_ONLY = (
    ("Globex Research", "ap@globex.example", 29_900, "usd"),
    ("Hooli Labs", "billing@hooli.example", 14_900, "usd"),
    ("Initech GmbH", "rechnung@initech.example", 14_900, "eur"),
)
EMAIL_ONLY_EVERY = 9  # every ninth customer carries no tag: only its email can match it


def aligned_dataset(customers: Sequence[Sequence[Any]], *, as_of: date) -> StripeDataset:
    """A Stripe account billing the cost side's customers.

    Each entry is (external_id, name, email, monthly_revenue_usd_cents, monthly_cost_target,
    plan, ...): a subscription at that monthly price, paid on the 1st of each month for the last
    MONTHS months and this one. Most are tagged `metadata.margint_customer = external_id`; every
    EMAIL_ONLY_EVERY-th is not, so auto-matching proposes it by email for review. Entries with no
    revenue are cost-only and have no Stripe customer. A plan whose name says "annual" bills
    twelve months at once, at the start of the history. STRIPE_ONLY customers are added too.
    """
    dataset = StripeDataset(id_namespace=f"demo-aligned-{as_of}")
    start = month_start(as_of, MONTHS)
    prices: dict[tuple[int, str, str, str], dict] = {}

    def price_for(monthly_cents: int, plan: str, currency: str = "usd") -> dict:
        annual = "annual" in plan.lower()
        key = (int(monthly_cents), plan, "year" if annual else "month", currency)
        if key not in prices:
            amount = key[0] * 12 if annual else key[0]
            prices[key] = dataset.add_price(
                unit_amount=amount, created=start, nickname=plan, interval=key[2], currency=currency
            )
        return prices[key]

    for index, (external_id, name, email, monthly_cents, _cost, plan, *_) in enumerate(customers):
        if int(monthly_cents) <= 0:
            continue
        tagged = index % EMAIL_ONLY_EVERY != EMAIL_ONLY_EVERY - 1
        customer = dataset.add_customer(
            created=start,
            name=name,
            email=email,
            metadata={TAG_KEY: external_id} if tagged else {},
            external_tag=external_id,
        )
        _bill(dataset, customer["id"], price_for(monthly_cents, str(plan)), as_of)
    for name, email, monthly_cents, currency in STRIPE_ONLY:
        customer = dataset.add_customer(created=start, name=name, email=email, currency=currency)
        _bill(dataset, customer["id"], price_for(monthly_cents, "standard", currency), as_of, currency)
    return dataset


def _bill(dataset: StripeDataset, customer: str, price: dict, as_of: date, currency: str = "usd") -> None:
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
            currency=currency,
            paid_at=min(cycle + 3600, end),
            lines=[
                Line(amount=price["unit_amount"], period_start=cycle, period_end=following, price=price["id"])
            ],
        )
        cycle = following
