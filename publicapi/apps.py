from __future__ import annotations

from django.apps import AppConfig

from billing import signals  # signals modules import only django.dispatch: safe before the models load


class PublicapiConfig(AppConfig):
    name = "publicapi"

    def ready(self) -> None:
        from publicapi import (
            receivers,
            schema,  # noqa: F401  (registers the API key scheme with drf-spectacular)
        )

        for signal in (signals.revenue_synced, signals.revenue_changed):
            signal.connect(receivers.margin_alerts_after_revenue, dispatch_uid="publicapi-margin-alerts")
