"""Demo data of the core: one Pro organization and its people, and the context each app's demo gets.

Each app provides ``demo.py`` with ``load(ctx: DemoContext) -> None``; the demo loader above them
all (publicapi.demo) runs them in order, because revenue sync needs the cost side and auto-matching
needs both. The core imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from margint.models import Organization, Role, Tier
from margint.services import membership_add, organization_create

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


def demo_org_create(
    *, today: date, log: Callable[[str], None] = print, stripe_api_base: str | None = None
) -> DemoContext:
    """Replace the demo organization with a new one and its three people; its context for the apps."""
    Organization.objects.filter(name="Acme AI (demo)").delete()
    org = organization_create(
        name="Acme AI (demo)",
        tier=Tier.PRO,
        admin_email=DEMO_USERS[Role.ADMIN],
        admin_password=DEMO_PASSWORD,
    )
    for role in (Role.MEMBER, Role.VIEWER):
        membership_add(org=org, email=DEMO_USERS[role], password=DEMO_PASSWORD, role=role)
    return DemoContext(org=org, today=today, log=log, stripe_api_base=stripe_api_base)
