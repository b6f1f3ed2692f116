"""What budgets do when a lower layer announces something: limits follow a change of reporting
currency (margint.signals). Connected in BudgetsConfig.ready()."""

from __future__ import annotations

from django.utils import timezone

from margint.fx.models import CurrencyRebuild
from margint.models import Organization
from publicapi.budgets.services import budget_limits_convert


def budget_limits_after_currency_change(*, org: Organization, rebuild: CurrencyRebuild, **_: object) -> None:
    """In the settings transaction: a limit is converted, never read as the old currency's figure."""
    budget_limits_convert(org=org, previous=rebuild.previous_currency, today=timezone.now().date())
