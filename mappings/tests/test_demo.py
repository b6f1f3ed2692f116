"""The demo's mappings step: auto-match, confirm some, map some by hand, leave work in the queue."""

from __future__ import annotations

from datetime import date

from mappings import demo
from mappings.models import CustomerMapping, MappingChange
from mappings.tests.factories import StripeCustomerFactory
from margins.tests.factories import CostCustomerFactory
from margint.demo import DemoContext

TODAY = date(2026, 11, 21)


def _rows(org):
    return sorted(
        (m.stripe_customer_id, m.tag_value, m.match_type, m.status)
        for m in CustomerMapping.objects.filter(org=org)
    )


def test_demo_leaves_confirmed_pending_suggested_manual_and_unmatched_customers(org):
    for sid, name, meta in [
        ("cus_acme", "Acme Corp", {"margint_customer": "acme"}),
        ("cus_globex", "Globex", {"margint_customer": "globex"}),
        ("cus_globex_eu", "Globex Europe GmbH", {}),
        ("cus_initech", "Initech Inc", {}),
        ("cus_hooli", "Hooli", {}),
        ("cus_nobody", "Nobody Ltd", {}),
    ]:
        StripeCustomerFactory(org=org, stripe_id=sid, name=name, metadata=meta)
    for tag, name in [
        ("acme", "Acme"),
        ("globex", "Globex"),
        ("initech", ""),
        ("hooli-xyz", "Hooli XYZ"),
        ("umbrella", ""),
    ]:
        CostCustomerFactory(org=org, external_id=tag, name=name)
    notes: list[str] = []
    ctx = DemoContext(org=org, today=TODAY, log=lambda _: None, notes=notes)

    demo.load(ctx)

    assert _rows(org) == [
        ("cus_acme", "acme", "manual", "confirmed"),  # pending, then confirmed
        ("cus_globex", "globex", "auto", "pending"),  # left waiting for review
        ("cus_globex_eu", "globex", "manual", "confirmed"),  # a second Stripe account, mapped by hand
        ("cus_hooli", "hooli-xyz", "manual", "confirmed"),  # first words agree: mapped by hand
        ("cus_initech", "initech", "auto", "suggested"),  # a suggestion left for review
    ]
    assert set(MappingChange.objects.filter(org=org).values_list("source", flat=True)) == {
        "auto-match",
        "system",
    }
    assert notes == [
        "Mappings (menu: Mappings): 3 confirmed (1 auto-matches confirmed by the demo, 2 mapped by hand); "
        "1 auto-matches counting in margins while awaiting review; "
        "1 suggestions not counting until confirmed; unmatched Stripe customers: 2; unmapped cost tags: 2."
    ]
