"""Reads of customer mappings that the margin computation uses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mappings.models import COUNTING_STATUSES, CustomerMapping
from margint.models import Organization

MARGIN_TAG_KEY = "customer"


@dataclass(frozen=True)
class MappingLink:
    id: str
    stripe_customer_id: str
    tag_value: str
    match_type: str
    status: str
    confidence: Decimal | None


def counting_mappings(*, org: Organization) -> list[MappingLink]:
    """Mappings that count in margins: confirmed ones and high-confidence auto matches pending review.

    Several Stripe customers may map to one tag value; their revenue adds up in that tag's row.
    """
    rows = CustomerMapping.objects.filter(
        org=org, tag_key=MARGIN_TAG_KEY, status__in=COUNTING_STATUSES
    ).order_by("tag_value", "stripe_customer_id")
    return [
        MappingLink(str(m.id), m.stripe_customer_id, m.tag_value, m.match_type, m.status, m.confidence)
        for m in rows
    ]
