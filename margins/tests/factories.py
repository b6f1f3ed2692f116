"""Rows of the spine models, built directly: the cost side, the revenue side, mappings, sync state.

`add_cost` and `add_revenue` write what ingestion and the Stripe sync leave behind (daily rows,
added to like their upserts do); the monthly totals follow through the database triggers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import factory
from django.db.models import F

from billing.models import RevenueDaily, StripeConnection, StripeCustomer, SyncRun
from mappings.models import CustomerMapping
from margins.models import Customer, CustomerDailyCost, DailyRollup
from margint.models import Organization
from margint.tests.factories import OrganizationFactory

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class CostCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("org", "external_id")

    org = factory.SubFactory(OrganizationFactory)
    external_id = factory.Sequence(lambda n: f"tag-{n}")
    first_seen_at = T0
    last_seen_at = T0


class DailyRollupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyRollup

    org = factory.SubFactory(OrganizationFactory)
    customer = factory.SubFactory(CostCustomerFactory, org=factory.SelfAttribute("..org"))
    day = date(2026, 4, 1)
    feature = "chat"
    model = "gpt-4o"
    provider = "openai"
    cost_micro = 0
    request_count = 1


class CustomerDailyCostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerDailyCost

    org = factory.SubFactory(OrganizationFactory)
    customer = factory.SubFactory(CostCustomerFactory, org=factory.SelfAttribute("..org"))
    day = date(2026, 4, 1)
    cost_micro = 0
    request_count = 1


class StripeCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StripeCustomer
        django_get_or_create = ("org", "stripe_id")

    org = factory.SubFactory(OrganizationFactory)
    stripe_id = factory.Sequence(lambda n: f"cus_{n:06d}")
    name = factory.Sequence(lambda n: f"Customer {n}")


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


class CustomerMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerMapping

    org = factory.SubFactory(OrganizationFactory)
    stripe_customer_id = factory.Sequence(lambda n: f"cus_{n:06d}")
    tag_value = factory.Sequence(lambda n: f"tag-{n}")


def add_cost(
    org: Organization,
    tag: str,
    day: date,
    cost: int,
    *,
    model: str = "gpt-4o",
    feature: str = "chat",
    provider: str = "openai",
    requests: int = 1,
) -> None:
    """Cost as ingestion leaves it: added to the day's rollup row and to the customer's day total."""
    customer = CostCustomerFactory(org=org, external_id=tag)
    key = dict(org=org, customer=customer, day=day)
    rollup, _ = DailyRollup.objects.get_or_create(**key, feature=feature, model=model, provider=provider)
    DailyRollup.objects.filter(pk=rollup.pk).update(
        cost_micro=F("cost_micro") + cost, request_count=F("request_count") + requests
    )
    total, _ = CustomerDailyCost.objects.get_or_create(**key)
    CustomerDailyCost.objects.filter(pk=total.pk).update(
        cost_micro=F("cost_micro") + cost, request_count=F("request_count") + requests
    )


def add_revenue(
    org: Organization, stripe_id: str, day: date, amount: int, *, name: str | None = None
) -> None:
    """Recognized revenue of one Stripe customer on one day, added to what the day already has."""
    customer = stripe_customer(org, stripe_id, name=name)
    row, _ = RevenueDaily.objects.get_or_create(org=org, stripe_customer=customer, day=day)
    RevenueDaily.objects.filter(pk=row.pk).update(amount_micro=F("amount_micro") + amount)


def stripe_customer(org: Organization, stripe_id: str, *, name: str | None = None) -> StripeCustomer:
    customer = StripeCustomerFactory(org=org, stripe_id=stripe_id)
    if name is not None and customer.name != name:
        customer.name = name
        customer.save(update_fields=["name"])
    return customer


def map_tag(
    org: Organization, stripe_id: str, tag: str, *, status: str = "confirmed", name: str | None = None
) -> CustomerMapping:
    """A mapping from a Stripe customer (created if missing, named `name`) to a cost tag value."""
    stripe_customer(org, stripe_id, name=name)
    match_type = "manual" if status == "confirmed" else "auto"
    return CustomerMappingFactory(
        org=org, stripe_customer_id=stripe_id, tag_value=tag, status=status, match_type=match_type
    )
