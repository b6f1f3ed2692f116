"""The Budget model moves here from publicapi in state only: the table `publicapi_budget` and its
rows stay as they are. publicapi 0004 deletes the model from publicapi's state after this one."""

import django.db.models.deletion
import uuid
from django.db import migrations, models

import publicapi.budgets.models


def content_type_follows(apps, schema_editor):
    """Permissions and admin log entries of budgets follow the model to its new app label."""
    _relabel(apps, old="publicapi", new="budgets")


def content_type_returns(apps, schema_editor):
    _relabel(apps, old="budgets", new="publicapi")


def _relabel(apps, *, old, new):
    content_types = apps.get_model("contenttypes", "ContentType").objects
    if not content_types.filter(app_label=new, model="budget").exists():
        content_types.filter(app_label=old, model="budget").update(app_label=new)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('margint', '0001_initial'),
        ('publicapi', '0003_otlp_settings'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Budget',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('scope', models.CharField(choices=[('workspace', 'Workspace'), ('customer', 'Customer'), ('feature', 'Feature'), ('customer_feature', 'Customer Feature')], max_length=20)),
                        ('customer_external_id', models.CharField(blank=True, default='', max_length=255)),
                        ('feature', models.CharField(blank=True, default='', max_length=128)),
                        ('monthly_limit_micro', models.BigIntegerField()),
                        ('action', models.CharField(choices=[('warn', 'Warn'), ('block', 'Block')], default='warn', max_length=8)),
                        ('thresholds', models.JSONField(blank=True, default=publicapi.budgets.models.default_budget_thresholds)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('org', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='budgets', to='margint.organization')),
                    ],
                    options={
                        'db_table': 'publicapi_budget',
                        'ordering': ['created_at', 'id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('monthly_limit_micro__gt', 0)), name='budget_limit_gt_0'), models.CheckConstraint(condition=models.Q(models.Q(('customer_external_id', ''), ('feature', ''), ('scope', 'workspace')), models.Q(('feature', ''), ('scope', 'customer'), models.Q(('customer_external_id', ''), _negated=True)), models.Q(('customer_external_id', ''), ('scope', 'feature'), models.Q(('feature', ''), _negated=True)), models.Q(('scope', 'customer_feature'), models.Q(('customer_external_id', ''), _negated=True), models.Q(('feature', ''), _negated=True)), _connector='OR'), name='budget_scope_targets')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
