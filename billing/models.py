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
    # When a listing last wrote it (a listing that finds it unchanged writes nothing; the sync
    # tells deleted customers by the ids its own listing returned).
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Digest of the Stripe object as last written: an unchanged one is not written again.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    # Created time of the newest webhook event applied; older events arriving late are skipped.
    event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "stripe_id"], name="stripe_customer_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.stripe_id


class RevenueDaily(models.Model):
    """Recognized net revenue per (org, Stripe customer, UTC day), micro-units of the reporting currency."""

    # Derived rows, written by the thousand in a sync: no database-level foreign keys (their checks
    # at commit cost more than the writes); the writer resolves both in its transaction, and
    # Django still cascades deletes. The same holds for allocations and invoice lines. Nor an
    # index of its own on a column that leads a composite index: each is one more write per row.
    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    stripe_customer = models.ForeignKey(
        StripeCustomer, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
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

    @property
    def progress(self) -> int:
        """Percent done: the runner's estimate while it runs, 100 once succeeded."""
        return 100 if self.status == self.Status.SUCCEEDED else int((self.stats or {}).get("progress", 0))


class StripeSubscription(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    stripe_id = models.CharField(max_length=255)
    stripe_customer = models.ForeignKey(
        StripeCustomer, on_delete=models.CASCADE, related_name="subscriptions"
    )
    status = models.CharField(max_length=32)
    currency = models.CharField(max_length=3)
    created = models.DateTimeField()
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    trial_end = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    # Digest of the Stripe object with its items as last written: an unchanged one is not written again.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    # Discounts with their coupons resolved: [{duration, percent_off (str), amount_off, currency, end}].
    discounts = models.JSONField(default=list, blank=True)
    event_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "stripe_id"], name="stripe_subscription_unique"),
        ]
        indexes = [models.Index(fields=["org", "status"])]

    def __str__(self) -> str:
        return f"{self.stripe_id} ({self.status})"


class StripeSubscriptionItem(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(StripeSubscription, on_delete=models.CASCADE, related_name="items")
    stripe_id = models.CharField(max_length=255)
    price_id = models.CharField(max_length=255, blank=True, default="")
    product_id = models.CharField(max_length=255, blank=True, default="")
    nickname = models.CharField(max_length=255, blank=True, default="")
    currency = models.CharField(max_length=3, blank=True, default="")
    # Stripe's unit_amount_decimal (minor units, up to 12 decimals); null for tiered prices.
    unit_amount_decimal = models.DecimalField(max_digits=30, decimal_places=12, null=True, blank=True)
    interval = models.CharField(max_length=8)
    interval_count = models.PositiveIntegerField(default=1)
    usage_type = models.CharField(max_length=16, default="licensed")
    quantity = models.PositiveIntegerField(default=0)
    discounts = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "stripe_id"], name="stripe_subscription_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.stripe_id} ({self.price_id} x {self.quantity})"


class StripeInvoice(models.Model):
    """A finalized invoice as Stripe last showed it; amounts in Stripe minor units of `currency`."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    stripe_id = models.CharField(max_length=255)
    stripe_customer = models.ForeignKey(StripeCustomer, on_delete=models.CASCADE, related_name="invoices")
    subscription_stripe_id = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=32)
    currency = models.CharField(max_length=3)
    created = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    total = models.BigIntegerField()
    total_excluding_tax = models.BigIntegerField(null=True, blank=True)
    amount_paid = models.BigIntegerField(default=0)
    amount_remaining = models.BigIntegerField(default=0)
    attempt_count = models.PositiveIntegerField(default=0)
    billing_reason = models.CharField(max_length=64, blank=True, default="")
    number = models.CharField(max_length=64, blank=True, default="")
    # What Stripe settled for its payments (balance transactions, before fees), when it was read.
    settled_amount = models.BigIntegerField(null=True, blank=True)
    settled_currency = models.CharField(max_length=3, blank=True, default="")
    settled_exchange_rate = models.DecimalField(max_digits=30, decimal_places=12, null=True, blank=True)
    # How the net became the reporting currency (docs/currencies.md): what the customer page shows.
    reporting_net_micro = models.BigIntegerField(null=True, blank=True)
    fx_source = models.CharField(max_length=16, blank=True, default="")
    fx_rate = models.DecimalField(max_digits=30, decimal_places=12, null=True, blank=True)
    fx_rate_day = models.DateField(null=True, blank=True)
    # Digest of what was read and the reporting currency: an unchanged invoice is not rewritten.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    event_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "stripe_id"], name="stripe_invoice_unique"),
        ]
        indexes = [models.Index(fields=["org", "status"]), models.Index(fields=["org", "created"])]

    def __str__(self) -> str:
        return f"{self.stripe_id} ({self.status})"


class StripeInvoiceLine(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    invoice = models.ForeignKey(
        StripeInvoice, on_delete=models.CASCADE, related_name="lines", db_constraint=False, db_index=False
    )
    stripe_id = models.CharField(max_length=255)
    amount = models.BigIntegerField()
    discount_amounts = models.JSONField(default=list, blank=True)
    # [[amount, tax_behavior], ...]
    taxes = models.JSONField(default=list, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    proration = models.BooleanField(default=False)
    price_id = models.CharField(max_length=255, blank=True, default="")
    subscription_item_id = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    quantity = models.BigIntegerField(null=True, blank=True)
    # The price's product ("" before it was read, or for a line without price): the plan of the line.
    product_id = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invoice", "stripe_id"], name="stripe_invoice_line_unique"),
        ]

    def __str__(self) -> str:
        return self.stripe_id


class StripeCreditNote(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    stripe_id = models.CharField(max_length=255)
    stripe_customer = models.ForeignKey(StripeCustomer, on_delete=models.CASCADE, related_name="credit_notes")
    invoice_stripe_id = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=16)
    currency = models.CharField(max_length=3)
    created = models.DateTimeField()
    effective_at = models.DateTimeField(null=True, blank=True)
    total = models.BigIntegerField()
    total_excluding_tax = models.BigIntegerField(null=True, blank=True)
    total_taxes = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=64, blank=True, default="")
    # How the net became the reporting currency (docs/currencies.md): what the customer page shows.
    reporting_net_micro = models.BigIntegerField(null=True, blank=True)
    fx_source = models.CharField(max_length=16, blank=True, default="")
    fx_rate = models.DecimalField(max_digits=30, decimal_places=12, null=True, blank=True)
    fx_rate_day = models.DateField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    event_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "stripe_id"], name="stripe_credit_note_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.stripe_id} ({self.status})"


class RevenueAllocation(models.Model):
    """What one invoice or credit note contributes to one (Stripe customer, UTC day).

    RevenueDaily is the sum of these per (customer, day); re-reading a source replaces exactly
    its rows, then the days it touched (before and after) are recomputed.
    """

    class Source(models.TextChoices):
        INVOICE = "invoice"
        CREDIT_NOTE = "credit_note"

    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    source_type = models.CharField(max_length=16, choices=Source.choices)
    source_id = models.CharField(max_length=255)
    stripe_customer = models.ForeignKey(
        StripeCustomer, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    amount_micro = models.BigIntegerField()
    # The amount before conversion (micro-units of `currency`), the rate and where it came from.
    original_micro = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    rate_source = models.CharField(max_length=16, blank=True, default="")
    rate = models.DecimalField(max_digits=30, decimal_places=12, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "source_id", "stripe_customer", "day"], name="revenue_allocation_unique"
            ),
        ]
        indexes = [models.Index(fields=["org", "stripe_customer", "day"])]


class StripeWebhookEvent(models.Model):
    """One Stripe event delivered to this org's endpoint: the row is the idempotency key."""

    class Status(models.TextChoices):
        PROCESSED = "processed"
        IGNORED = "ignored"
        FAILED = "failed"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    stripe_id = models.CharField(max_length=255)
    type = models.CharField(max_length=128)
    created = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    error = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "stripe_id"], name="stripe_webhook_event_unique"),
        ]
        indexes = [models.Index(fields=["org", "received_at"])]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.type} ({self.status})"
