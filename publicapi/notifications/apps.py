from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Outgoing webhooks (margin alerts, budget alerts), a surface. The app label stays "webhooks"
    (it was margins.webhooks): its tables and migrations keep their names, so nothing moves."""

    name = "publicapi.notifications"
    label = "webhooks"
