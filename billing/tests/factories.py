"""Rows of the billing models, built directly: Stripe customers, recognized revenue, connection, sync runs.

`add_revenue` writes what the Stripe sync leaves behind (a daily row, added to like its upsert
does); the monthly totals follow through the database triggers.
"""

from __future__ import annotations

from datetime import date

import factory
from django.db.models import F

from billing.models import RevenueAllocation, RevenueDaily, StripeConnection, StripeCustomer, SyncRun
from margint.models import Organization
from margint.tests.factories import OrganizationFactory


class StripeCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StripeCustomer
        django_get_or_create = ("org", "stripe_id")

    org = factory.SubFactory(OrganizationFactory)
    stripe_id = factory.Sequence(lambda n: f"cus_{n:06d}")


class RevenueDailyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RevenueDaily

    org = factory.SubFactory(OrganizationFactory)
    stripe_customer = factory.SubFactory(StripeCustomerFactory, org=factory.SelfAttribute("..org"))
    day = date(2026, 4, 1)
    amount_micro = 0


class StripeConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StripeConnection

    org = factory.SubFactory(OrganizationFactory)
    encrypted_key = "not-a-real-key"
    key_prefix = "rk_test_abcd...wxyz"


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    org = factory.SubFactory(OrganizationFactory)
    status = SyncRun.Status.SUCCEEDED


def stripe_customer(
    org: Organization, stripe_id: str, *, name: str | None = None, email: str | None = None
) -> StripeCustomer:
    """The Stripe customer `stripe_id` of `org`, created if missing; `name` and `email`, when given,
    replace what it has."""
    customer = StripeCustomerFactory(org=org, stripe_id=stripe_id)
    given = {"name": name, "email": email}
    changed = [
        field for field, value in given.items() if value is not None and getattr(customer, field) != value
    ]
    for field in changed:
        setattr(customer, field, given[field])
    if changed:
        customer.save(update_fields=changed)
    return customer


def add_revenue(
    org: Organization,
    stripe_id: str,
    day: date,
    amount: int,
    *,
    name: str | None = None,
    email: str | None = None,
) -> StripeCustomer:
    """Recognized revenue of one Stripe customer on one day, added to what the day already has."""
    customer = stripe_customer(org, stripe_id, name=name, email=email)
    row, _ = RevenueDaily.objects.get_or_create(org=org, stripe_customer=customer, day=day)
    RevenueDaily.objects.filter(pk=row.pk).update(amount_micro=F("amount_micro") + amount)
    return customer


def add_unconverted(org: Organization, stripe_id: str, day: date, amount_micro: int, currency: str) -> None:
    """An invoice amount no rate could convert (what the sync writes without a rate), on `day`."""
    RevenueAllocation.objects.create(
        org=org,
        source_type="invoice",
        source_id=f"in_unconverted_{stripe_id}_{day}_{currency}",
        stripe_customer=stripe_customer(org, stripe_id),
        day=day,
        amount_micro=0,
        original_micro=amount_micro,
        currency=currency,
        rate_source="no_rate",
    )
