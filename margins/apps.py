from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MarginsConfig(AppConfig):
    name = "margins"

    def ready(self) -> None:
        post_migrate.connect(_reinstall_monthly_triggers, sender=self)


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
