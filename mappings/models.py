"""Links from Stripe customers (revenue) to cost tag values (cost)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from mappings.validators import validate_identifier
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
    stripe_customer_id = models.CharField(max_length=255, validators=[validate_identifier])
    tag_key = models.CharField(max_length=255, default="customer", validators=[validate_identifier])
    tag_value = models.CharField(max_length=255, validators=[validate_identifier])
    match_type = models.CharField(max_length=16, choices=MatchType.choices, default=MatchType.MANUAL)
    confidence = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    status = models.CharField(max_length=16, choices=MappingStatus.choices, default=MappingStatus.CONFIRMED)
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


class MappingRejection(models.Model):
    """A proposal a person turned down; auto-matching never proposes this pair again."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="mapping_rejections")
    stripe_customer_id = models.CharField(max_length=255)
    tag_value = models.CharField(max_length=255)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "stripe_customer_id", "tag_value"], name="mapping_rejection_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stripe_customer_id} ≠ {self.tag_value}"


class ChangeSource(models.TextChoices):
    API = "api", "API"
    DASHBOARD = "dashboard", "Dashboard"
    ADMIN = "admin", "Admin"
    AUTOMATCH = "auto-match", "Auto-match"
    SYSTEM = "system", "System"  # operator commands, Stripe disconnect, demo data


class ChangeAction(models.TextChoices):
    CREATED = "created"
    UPDATED = "updated"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    DELETED = "deleted"


class MappingChange(models.Model):
    """Audit trail: who changed which mapping, when, through what, from what to what.

    `mapping_id` is a plain UUID, not a foreign key, so the history outlives the mapping.
    """

    id = models.BigAutoField(primary_key=True)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="mapping_changes")
    mapping_id = models.UUIDField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The actor's email at the time, so the record still says who after the user is gone.
    actor_label = models.CharField(max_length=320, blank=True, default="")
    source = models.CharField(max_length=16, choices=ChangeSource.choices)
    action = models.CharField(max_length=16, choices=ChangeAction.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["org", "-at"])]

    def __str__(self) -> str:
        who = self.actor_label or self.source
        return f"{self.action} {self.mapping_id} by {who}"
