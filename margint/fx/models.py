"""The exchange-rate table: one row per (day, currency) the European Central Bank published."""

from __future__ import annotations

from django.db import models


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
