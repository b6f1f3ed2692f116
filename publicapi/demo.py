"""The demo loader: the core's demo organization, then each app's demo data, in order.

It sits above every app it calls: cost events first, then revenue billed to the same customers
(billing does not import the cost side, so the loader hands it the cost side's customers), then
auto-matching, which needs both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from billing import demo as billing_demo
from mappings import demo as mappings_demo
from margins.costs import demo as cost_demo
from margins.costs.demo_customers import DEMO_CUSTOMERS
from margint.demo import DemoContext, demo_org_create


def load_demo(*, today: date, log: Callable[[str], None] = print) -> DemoContext:
    ctx = demo_org_create(today=today, log=log)
    log("demo: loading margins")
    cost_demo.load(ctx)
    log("demo: loading billing")
    billing_demo.load(ctx, customers=DEMO_CUSTOMERS)
    log("demo: loading mappings")
    mappings_demo.load(ctx)
    return ctx
