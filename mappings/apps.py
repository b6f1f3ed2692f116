from __future__ import annotations

from django.apps import AppConfig

from billing import signals  # only django.dispatch: safe before the models load


class MappingsConfig(AppConfig):
    name = "mappings"

    def ready(self) -> None:
        from mappings import receivers

        signals.revenue_synced.connect(receivers.automatch_after_sync, dispatch_uid="mappings-automatch")
        signals.stripe_disconnecting.connect(
            receivers.mappings_clear_on_disconnect, dispatch_uid="mappings-clear-on-disconnect"
        )
        signals.disconnect_impact_counting.connect(
            receivers.mappings_counted_for_disconnect, dispatch_uid="mappings-count-for-disconnect"
        )
