"""Links from Stripe customers (revenue) to cost tag values (cost)."""

from __future__ import annotations

import uuid

from django.db import models

from margint.models import Organization


class MatchType(models.TextChoices):
    MANUAL = "manual"
    AUTO = "auto"


class MappingStatus(models.TextChoices):
    # confirmed: manual or reviewed; pending: auto ≥ 0.9, counts in margins while awaiting review;
    # suggested: auto < 0.9, does not count until confirmed.
    CONFIRMED = "confirmed"
    PENDING = "pending"
    SUGGESTED = "suggested"


COUNTING_STATUSES = (MappingStatus.CONFIRMED, MappingStatus.PENDING)


class CustomerMapping(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="customer_mappings")
    stripe_customer_id = models.CharField(max_length=255)
    tag_key = models.CharField(max_length=255, default="customer")
    tag_value = models.CharField(max_length=255)
    match_type = models.CharField(max_length=16, choices=MatchType.choices, default=MatchType.MANUAL)
    confidence = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=MappingStatus.choices, default=MappingStatus.CONFIRMED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "stripe_customer_id", "tag_key"], name="customer_mapping_unique"
            ),
        ]
        indexes = [models.Index(fields=["org", "tag_value"])]

    def __str__(self) -> str:
        return f"{self.stripe_customer_id} → {self.tag_key}={self.tag_value}"
