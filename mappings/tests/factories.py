"""Customer mappings, built directly. The Stripe customer a mapping names is written by the billing
factories, only to set up tests; mappings code itself reads it through billing's selectors."""

from __future__ import annotations

import factory

from billing.tests.factories import StripeCustomerFactory, stripe_customer  # noqa: F401 (re-exported)
from mappings.models import CustomerMapping, MappingStatus, MatchType
from margint.models import Organization
from margint.tests.factories import OrganizationFactory


class CustomerMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerMapping

    org = factory.SubFactory(OrganizationFactory)
    stripe_customer_id = factory.Sequence(lambda n: f"cus_map{n:05d}")
    tag_value = factory.Sequence(lambda n: f"mapped-{n:05d}")
    match_type = MatchType.MANUAL
    confidence = 1
    status = MappingStatus.CONFIRMED


def map_tag(
    org: Organization,
    stripe_id: str,
    tag: str,
    *,
    status: str = MappingStatus.CONFIRMED,
    name: str | None = None,
) -> CustomerMapping:
    """A mapping from a Stripe customer (created if missing, named `name`) to a cost tag value:
    manual when confirmed, else an auto-match; no confidence recorded either way."""
    stripe_customer(org, stripe_id, name=name)
    match_type = MatchType.MANUAL if status == MappingStatus.CONFIRMED else MatchType.AUTO
    return CustomerMappingFactory(
        org=org,
        stripe_customer_id=stripe_id,
        tag_value=tag,
        status=status,
        match_type=match_type,
        confidence=None,
    )
