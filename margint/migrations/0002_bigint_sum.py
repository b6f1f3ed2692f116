from django.db import migrations

# bigint + bigint, overflow an error (int8pl); partial sums of parallel workers combine the same way.
CREATE = (
    "CREATE OR REPLACE AGGREGATE bigint_sum(bigint) "
    "(SFUNC = int8pl, STYPE = bigint, COMBINEFUNC = int8pl, PARALLEL = SAFE)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # SQLite's SUM already answers an integer
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP AGGREGATE IF EXISTS bigint_sum(bigint)")


class Migration(migrations.Migration):
    """margint.sql.bigint_sum: a sum of bigints that stays a bigint (PostgreSQL)."""

    dependencies = [("margint", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
