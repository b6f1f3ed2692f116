"""The demo loader: the core's demo organization, then each app's demo data, in order.

It sits above every app it calls: cost events first, then revenue billed to the same customers
(billing does not import the cost side, so the loader hands it the cost side's customers), then
auto-matching, which needs both, and the budgets an operator would set on what they show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from billing import demo as billing_demo
from mappings import demo as mappings_demo
from margins.costs import demo as cost_demo
from margins.costs.demo_customers import DEMO_CUSTOMERS
from margint.demo import DemoContext, demo_org_create
from publicapi.budgets import demo as budgets_demo
from stripe_double import StripeDataset


def load_demo(
    *, today: date, log: Callable[[str], None] = print, stripe_api_base: str | None = None
) -> DemoContext:
    """stripe_api_base: a Stripe double already serving `demo_stripe_account(today)` (`manage.py
    demo`); without it the revenue step serves one for the time of the load."""
    ctx = demo_org_create(today=today, log=log, stripe_api_base=stripe_api_base)
    log("demo: loading margins")
    cost_demo.load(ctx)
    log("demo: loading billing")
    billing_demo.load(ctx, customers=DEMO_CUSTOMERS)
    log("demo: loading mappings")
    mappings_demo.load(ctx)
    log("demo: loading budgets")
    budgets_demo.load(ctx)
    return ctx


def demo_stripe_account(today: date) -> StripeDataset:
    """The demo organization's Stripe account: it bills the cost side's demo customers."""
    return billing_demo.demo_account(today, DEMO_CUSTOMERS)
