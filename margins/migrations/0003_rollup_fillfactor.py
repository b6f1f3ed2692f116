"""Rollup rows are updated in place by every ingested batch: leave room on each page so PostgreSQL
can make those updates HOT (no index writes). Nothing to do on other databases."""

from django.db import migrations

TABLES = ("margins_dailyrollup", "margins_customerdailycost", "margins_customer")


def set_fillfactor(apps, schema_editor, value=70):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor):
    set_fillfactor(apps, schema_editor, value=100)


class Migration(migrations.Migration):
    dependencies = [("margins", "0002_ingestion_indexes")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
