"""Rows on both sides of a mapping. The billing and margins rows are written here only to set up
tests; mappings code itself reads them through those apps' selectors."""

from __future__ import annotations

from datetime import date

import factory
from django.utils import timezone

from billing.models import RevenueDaily, StripeCustomer
from mappings.models import CustomerMapping, MappingStatus, MatchType
from margins.models import Customer, CustomerDailyCost, DailyRollup
from margint.tests.factories import OrganizationFactory


class StripeCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StripeCustomer

    org = factory.SubFactory(OrganizationFactory)
    stripe_id = factory.Sequence(lambda n: f"cus_test{n:05d}")
    name = ""
    email = ""
    metadata = factory.LazyFunction(dict)


class CostCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    org = factory.SubFactory(OrganizationFactory)
    external_id = factory.Sequence(lambda n: f"tag-{n:05d}")
    name = ""
    email = ""
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)


class CustomerMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerMapping

    org = factory.SubFactory(OrganizationFactory)
    stripe_customer_id = factory.Sequence(lambda n: f"cus_map{n:05d}")
    tag_value = factory.Sequence(lambda n: f"mapped-{n:05d}")
    match_type = MatchType.MANUAL
    confidence = 1
    status = MappingStatus.CONFIRMED


def revenue(org, stripe_id: str, day: date, amount_micro: int, **customer) -> StripeCustomer:
    """Recognized revenue of one Stripe customer on one day (the customer is created if new)."""
    stripe_customer, _ = StripeCustomer.objects.get_or_create(org=org, stripe_id=stripe_id, defaults=customer)
    RevenueDaily.objects.create(org=org, stripe_customer=stripe_customer, day=day, amount_micro=amount_micro)
    return stripe_customer


def cost(
    org, tag_value: str, day: date, cost_micro: int, requests: int = 1, model: str = "gpt-4o"
) -> Customer:
    """One day of cost for a tag value, written to the rollup and to the compact daily total."""
    now = timezone.now()
    customer, _ = Customer.objects.get_or_create(
        org=org, external_id=tag_value, defaults={"first_seen_at": now, "last_seen_at": now}
    )
    DailyRollup.objects.create(
        org=org, customer=customer, day=day, model=model, cost_micro=cost_micro, request_count=requests
    )
    daily, _ = CustomerDailyCost.objects.get_or_create(org=org, customer=customer, day=day)
    daily.cost_micro += cost_micro
    daily.request_count += requests
    daily.save()
    return customer
