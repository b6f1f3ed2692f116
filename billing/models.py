"""Stripe connection, mirrors of Stripe objects, and the daily recognized-revenue table."""

from __future__ import annotations

import uuid

from django.db import models

from margint.models import Organization


class StripeConnection(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        REVOKED = "revoked"
        ERROR = "error"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="stripe_connection")
    encrypted_key = models.TextField()
    key_prefix = models.CharField(max_length=64)
    encrypted_webhook_secret = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.org.name}: {self.key_prefix} ({self.status})"


class StripeCustomer(models.Model):
    id = models.BigAutoField(primary_key=True)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="stripe_customers")
    stripe_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True, default="")
    email = models.CharField(max_length=320, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    deleted = models.BooleanField(default=False)
    created = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "stripe_id"], name="stripe_customer_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.stripe_id


class RevenueDaily(models.Model):
    """Recognized net revenue per (org, Stripe customer, UTC day), micro-units of the reporting currency."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    stripe_customer = models.ForeignKey(StripeCustomer, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    amount_micro = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "stripe_customer", "day"], name="revenue_daily_unique"),
        ]
        indexes = [models.Index(fields=["org", "day"])]


class SyncRun(models.Model):
    """One revenue sync of one org. At most one is running per org: the claim is the insert."""

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sync_runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=16, default="manual")
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cursor = models.JSONField(default=dict, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["org"], condition=models.Q(status="running"), name="one_running_sync_per_org"
            ),
        ]
