from __future__ import annotations

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outgoing webhooks (margin alerts, budget alerts): its own app label, so its migrations
    never collide with the margins app's."""

    name = "margins.webhooks"
    label = "webhooks"
