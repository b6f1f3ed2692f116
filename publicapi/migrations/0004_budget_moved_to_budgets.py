"""Budget is now the model of the nested app publicapi.budgets (its 0001 takes it over in state
only); the table `publicapi_budget` and its rows are left untouched."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('budgets', '0001_initial'),
        ('publicapi', '0003_otlp_settings'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Budget')],
            database_operations=[],
        ),
    ]
