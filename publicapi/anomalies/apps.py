from __future__ import annotations

from django.apps import AppConfig


class AnomaliesConfig(AppConfig):
    """Cost anomaly alerts: their own app label, so their migrations collide with no other app's."""

    name = "publicapi.anomalies"
    label = "anomalies"
    default_auto_field = "django.db.models.BigAutoField"
