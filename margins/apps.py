from __future__ import annotations

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_migrate


class MarginsConfig(AppConfig):
    name = "margins"

    def ready(self) -> None:
        post_migrate.connect(_reinstall_monthly_triggers, sender=self)
        # Cost rollups are in the reporting currency: rebuilt when it changes, and from the first
        # day of newly imported rates (the core announces both; it never imports margins).
        from margins.tasks import converted_rollups_refresh_task, cost_rebuild_run
        from margint.fx.services import rates_imported
        from margint.services import reporting_currency_changed

        def _rebuild(rebuild, **_kwargs) -> None:
            transaction.on_commit(lambda: cost_rebuild_run.delay(str(rebuild.pk)))

        def _refresh(first_day, **_kwargs) -> None:
            if first_day is not None:
                converted_rollups_refresh_task.delay(first_day.isoformat())

        reporting_currency_changed.connect(_rebuild, weak=False, dispatch_uid="margins-cost-rebuild")
        rates_imported.connect(_refresh, weak=False, dispatch_uid="margins-converted-rollups")


def _reinstall_monthly_triggers(*, using: str, plan=None, **kwargs) -> None:
    """Put the monthly-total triggers back after any migration run.

    SQLite alters a table by copying it into a new one, which drops the old table's triggers;
    a later migration of the daily tables (in margins or billing) would silently stop the
    monthly totals. Installing is idempotent, so running it after every migrate is safe.
    """
    from django.db import connections

    from margins import monthly

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if {r.daily for r in monthly.ROLLUPS} | {r.monthly for r in monthly.ROLLUPS} <= tables:
        monthly.install_triggers(connection)
