"""The exchange-rate table: one row per (day, currency) the European Central Bank published."""

from __future__ import annotations

import uuid

from django.db import models

from margint.models import Organization


class ExchangeRate(models.Model):
    """Units of `currency` one euro bought on `day` (the ECB reference rate; the euro itself has no row)."""

    day = models.DateField()
    currency = models.CharField(max_length=3, help_text="Lowercase ISO 4217 code.")
    per_euro = models.DecimalField(max_digits=20, decimal_places=8)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["currency", "day"], name="exchange_rate_unique"),
            models.CheckConstraint(condition=models.Q(per_euro__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.day} 1 EUR = {self.per_euro} {self.currency.upper()}"


class CurrencyRebuild(models.Model):
    """Every recorded amount converted again into a new reporting currency, in the background.

    Created with the change of currency; each fact source (Stripe revenue in billing, cost
    events in margins) adds its number of items to `total`, adds to `done` as it goes, and takes
    one off `parts_left` when finished: the last one marks the rebuild succeeded. `done` of
    `total` is the progress the settings page shows. A rebuild whose currency is no longer the
    org's is superseded: its parts stop, the newer rebuild converts everything.
    """

    PARTS = 2  # revenue (billing) and cost (margins.costs)

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        SUPERSEDED = "superseded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    previous_currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveBigIntegerField(default=0)
    done = models.PositiveBigIntegerField(default=0)
    parts_left = models.PositiveSmallIntegerField(default=PARTS)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.org_id} to {self.currency} ({self.status}, {self.done}/{self.total})"

    @property
    def progress(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return min(99, int(self.done * 100 / self.total)) if self.total else 0
