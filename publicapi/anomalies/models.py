"""Each organization's anomaly sensitivity, and the cost anomalies found (one per customer and day)."""

from __future__ import annotations

from django.db import models

from margint.models import Organization


class AnomalySettings(models.Model):
    """Without a row an organization has the default sensitivity, medium."""

    class Sensitivity(models.TextChoices):
        HIGH = "high", "High: a day above 1.75 times the usual cost can alert"
        MEDIUM = "medium", "Medium: about twice the usual cost"
        LOW = "low", "Low: about 2.5 times the usual cost"
        OFF = "off", "Off: no cost anomaly alerts"

    org = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="anomaly_settings")
    sensitivity = models.CharField(max_length=8, choices=Sensitivity.choices, default=Sensitivity.MEDIUM)

    class Meta:
        verbose_name_plural = "anomaly settings"

    def __str__(self) -> str:
        return f"{self.org_id}: {self.sensitivity}"


class CostAnomaly(models.Model):
    """A customer's (cost-side external id's) UTC day whose cost was far above its baseline.

    Unique per (org, customer, day): the row is the claim that makes the alert once per day.
    `cost_micro` is the day's cost when found (a day in progress may grow after).
    """

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=255)
    day = models.DateField()
    cost_micro = models.BigIntegerField()
    median_micro = models.BigIntegerField()
    threshold_micro = models.BigIntegerField()
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "external_id", "day"], name="cost_anomaly_unique"),
        ]
        indexes = [models.Index(fields=["org", "day"])]

    def __str__(self) -> str:
        return f"{self.external_id} {self.day}"
