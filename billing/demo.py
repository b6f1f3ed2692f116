"""Demo revenue, loaded the way a customer's is: connect a key, run the sync.

The Stripe account is the test double: `manage.py demo` keeps one serving it beside the web
server (so Sync now, disconnect, reconnect and webhooks work); `load_demo` alone serves one on a
free loopback port for the time of the load. Either way the real connect service checks the key
against it and the real sync reads it page by page. When the demo loader passes the cost side's
demo customers (billing does not import the cost side: the two fact sources stay independent),
the account bills exactly those customers, tagged with their ids, so both sides meet; otherwise
it is the double's own demo account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.test.utils import override_settings

from billing.models import SyncRun
from billing.services import stripe_connect
from billing.sync import revenue_sync_run
from margint.demo import DemoContext
from stripe_double import DEFAULT_API_KEY, Line, StripeDataset, advance, demo_dataset, serve, to_epoch
from stripe_double.customer_history import TAG_KEY
from stripe_double.scenarios import month_start

MONTHS = 5
DEMO_WEBHOOK_SECRET = "whsec_margint_demo_0000000000"


def demo_account(today: date, customers: Sequence[Sequence[Any]] = ()) -> StripeDataset:
    """The demo organization's Stripe account as of `today` (the same objects for the same day).

    customers: the cost side's demo customers (external id, name, email, price, cost, plan)."""
    return aligned_dataset(customers, as_of=today) if customers else demo_dataset(as_of=today)


def load(ctx: DemoContext, *, customers: Sequence[tuple] = ()) -> None:
    if ctx.stripe_api_base:  # `manage.py demo`: its double serves demo_account() and stays up
        run = _connect_and_sync(ctx, ctx.stripe_api_base)
    else:
        with serve(demo_account(ctx.today, customers)) as server:
            run = _connect_and_sync(ctx, server.url)
    if run.status != "succeeded":
        raise RuntimeError(f"demo revenue sync failed: {run.error}")
    stats = run.stats
    ctx.log(
        f"demo: synced {stats['invoicesFetched']} invoices of {stats['customersProcessed']} Stripe customers "
        f"({stats['invoicesSkipped']} skipped in other currencies)"
    )
    if ctx.stripe_api_base:
        ctx.notes.append(
            f"Stripe: the demo's Stripe account is served by the Stripe double at {ctx.stripe_api_base}; "
            f"Stripe in the menu shows Sync now and its progress. To reconnect after a disconnect, "
            f"use the key {DEFAULT_API_KEY} and the webhook signing secret {DEMO_WEBHOOK_SECRET}."
        )
    else:
        ctx.notes.append(
            "Stripe: revenue was synced from a Stripe test double that is stopped now (`make demo` keeps "
            "one running); connect a real restricted key under Stripe in the menu to sync your own account."
        )


def _connect_and_sync(ctx: DemoContext, api_base: str) -> SyncRun:
    with override_settings(STRIPE_API_BASE=api_base):
        stripe_connect(
            org=ctx.org, stripe_key=DEFAULT_API_KEY, webhook_secret=DEMO_WEBHOOK_SECRET, start_sync=False
        )
        return revenue_sync_run(org=ctx.org, trigger="demo")


def demo_payment(dataset: StripeDataset, *, now: datetime, amount_cents: int = 2_500) -> dict[str, Any]:
    """A new paid invoice of one tagged customer (an AI usage top-up) in the demo's Stripe
    account, and its `invoice.paid` event: what Stripe would send to the webhook endpoint."""
    customer = next(c for c in dataset.external_tags if TAG_KEY in dataset.get("customers", c)["metadata"])
    moment, day = to_epoch(now), to_epoch(now.date())
    line = Line(amount_cents, period_start=day, period_end=advance(day, "day"), description="AI usage top-up")
    invoice = dataset.add_invoice(
        customer=customer, created=moment, paid_at=moment, billing_reason="manual", lines=[line]
    )
    return dataset.add_event(type="invoice.paid", obj=invoice, created=moment)


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
