"""Outgoing webhooks: an org's endpoints, the events emitted for it, and every delivery attempt."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from margint.ids import public_id
from margint.models import Organization

# Event types an endpoint may subscribe to; an endpoint with no types gets every one of them.
MARGIN_THRESHOLD_CROSSED = "margin.threshold_crossed"
BUDGET_THRESHOLD_CROSSED = "budget.threshold_crossed"
BUDGET_EXCEEDED = "budget.exceeded"
EVENT_TYPES = (MARGIN_THRESHOLD_CROSSED, BUDGET_THRESHOLD_CROSSED, BUDGET_EXCEEDED)
# Sent only by "send test event", to the one endpoint tested, whatever it subscribes to.
TEST_EVENT = "webhook.test"


def new_endpoint_id() -> str:
    return public_id("we")


def new_event_id() -> str:
    return public_id("evt", 24)


class WebhookEndpoint(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=new_endpoint_id, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2048)
    description = models.CharField(max_length=200, blank=True, default="")
    encrypted_secret = models.TextField()
    event_types = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.id} {self.url}"

    def wants(self, event_type: str) -> bool:
        return self.active and (not self.event_types or event_type in self.event_types)


class WebhookEvent(models.Model):
    """One event, emitted once: (org, dedupe_key) is unique, so a second emit is a no-op."""

    id = models.CharField(primary_key=True, max_length=40, default=new_event_id, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_events")
    type = models.CharField(max_length=64)
    payload = models.JSONField(help_text="The envelope exactly as delivered.")
    dedupe_key = models.CharField(max_length=512)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "dedupe_key"], name="webhook_event_dedupe_unique"),
        ]
        indexes = [models.Index(fields=["org", "-created_at"], name="webhook_event_org_created")]

    def __str__(self) -> str:
        return f"{self.id} {self.type}"


class WebhookDelivery(models.Model):
    """One HTTP attempt to deliver one event to one endpoint."""

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    next_retry_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint", "attempt"], name="webhook_delivery_attempt_unique"
            ),
        ]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_recent")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} #{self.attempt}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.delivered_at is not None
