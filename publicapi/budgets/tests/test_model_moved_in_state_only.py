"""The Budget model moved from publicapi to the budgets app in state only: a database migrated
before the move keeps its rows, readable through the new model, with nothing copied."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from margint.models import Organization
from publicapi.budgets.models import Budget
from publicapi.budgets.selectors import budgets_of

BEFORE_THE_MOVE = [("publicapi", "0003_otlp_settings"), ("budgets", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_a_budget_made_before_the_move_is_read_after_it(requires_postgres):
    executor = _migrate(BEFORE_THE_MOVE)
    try:
        old_apps = executor.loader.project_state(BEFORE_THE_MOVE[0]).apps
        OldBudget = old_apps.get_model("publicapi", "Budget")
        org = Organization.objects.create(name="Before the move")
        old = OldBudget.objects.create(
            org_id=org.pk,
            scope="customer",
            customer_external_id="acme",
            monthly_limit_micro=7,
            action="block",
        )
        ContentType.objects.filter(app_label="budgets", model="budget").delete()
        ContentType.objects.get_or_create(app_label="publicapi", model="budget")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    [budget] = budgets_of(org=org)
    assert (budget.pk, budget.customer_external_id, budget.monthly_limit_micro, budget.thresholds) == (
        old.pk,
        "acme",
        7,
        [80],
    )
    assert Budget._meta.db_table == OldBudget._meta.db_table == "publicapi_budget"
    # Its permissions and admin history follow it: the content type was relabelled, not made anew.
    assert ContentType.objects.filter(model="budget").values_list("app_label", flat=True).get() == "budgets"


@pytest.mark.django_db(transaction=True)
def test_the_move_creates_and_drops_no_table(requires_postgres):
    executor = MigrationExecutor(connection)
    plan = [("budgets", "0001_initial"), ("publicapi", "0004_budget_moved_to_budgets")]
    for app_label, name in plan:
        migration = executor.loader.get_migration(app_label, name)
        state = executor.loader.project_state((app_label, name), at_end=False)
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            migration.apply(state, editor, collect_sql=True)
            schema_sql = [sql for sql in editor.collected_sql if not sql.startswith("--")]
        assert schema_sql == [], (app_label, name, schema_sql)
