"""Workspace API keys: shown once, stored as a prefix and an HMAC-SHA256 digest."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from margint.models import Organization


class ApiKey(models.Model):
    class Scope(models.TextChoices):
        READ = "read"
        WRITE = "write"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=32, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class OtlpSettings(models.Model):
    """Which span or resource attributes name the customer and the feature of this org's GenAI spans.

    Without a row, or with a blank field, the OTLP_CUSTOMER_ATTRIBUTE / OTLP_FEATURE_ATTRIBUTE
    settings apply (by default `margint.customer` and `margint.feature`). See docs/otlp.md.
    """

    org = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="otlp_settings")
    customer_attribute = models.CharField(max_length=255, blank=True, default="")
    feature_attribute = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        verbose_name_plural = "OTLP settings"

    def __str__(self) -> str:
        return f"OTLP attributes of {self.org_id}"
