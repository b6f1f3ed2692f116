"""Demo data: one Pro organization and its people, then each app adds its part through its services.

Each app may provide ``<app>/demo.py`` with ``load(ctx: DemoContext) -> None``; they run in
DEMO_STEPS order, because revenue sync needs the cost side and auto-matching needs both.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from margint.models import Organization, Role, Tier
from margint.services import membership_add, organization_create

DEMO_STEPS = ("margins", "billing", "mappings", "publicapi")
DEMO_PASSWORD = "margint-demo-2026"
DEMO_USERS = {
    Role.ADMIN: "admin@demo.margint.dev",
    Role.MEMBER: "member@demo.margint.dev",
    Role.VIEWER: "viewer@demo.margint.dev",
}


@dataclass
class DemoContext:
    org: Organization
    today: date
    log: Callable[[str], None]
    notes: list[str] = field(default_factory=list)
    # A Stripe-compatible server that keeps serving the demo's Stripe account after the load
    # (`manage.py demo`); when None, the revenue step serves one for the time of the load.
    stripe_api_base: str | None = None


def load_demo(
    *, today: date, log: Callable[[str], None] = print, stripe_api_base: str | None = None
) -> DemoContext:
    Organization.objects.filter(name="Acme AI (demo)").delete()
    org = organization_create(
        name="Acme AI (demo)",
        tier=Tier.PRO,
        admin_email=DEMO_USERS[Role.ADMIN],
        admin_password=DEMO_PASSWORD,
    )
    for role in (Role.MEMBER, Role.VIEWER):
        membership_add(org=org, email=DEMO_USERS[role], password=DEMO_PASSWORD, role=role)
    ctx = DemoContext(org=org, today=today, log=log, stripe_api_base=stripe_api_base)
    for app in DEMO_STEPS:
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
            continue
        log(f"demo: loading {app}")
        module.load(ctx)
    return ctx
