from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from margins.alerts import margin_alerts_evaluate
from margins.ingestion.rollups import converted_rollups_refresh, cost_rebuild_execute
from margint.fx.models import CurrencyRebuild
from margint.models import Organization


@shared_task(acks_late=True)
def margin_alerts_evaluate_task(org_id: str) -> int:
    """Evaluate margin alerts for one org now; enqueue with margin_alerts_evaluate_task.delay(str(org.pk))."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return 0
    return margin_alerts_evaluate(org=org, as_of=timezone.now())


@shared_task(acks_late=False)
def cost_rebuild_run(rebuild_id: str) -> int:
    """The cost part of a change of reporting currency (margint.fx.models.CurrencyRebuild)."""
    rebuild = CurrencyRebuild.objects.filter(pk=rebuild_id, status=CurrencyRebuild.Status.RUNNING).first()
    return 0 if rebuild is None else cost_rebuild_execute(rebuild=rebuild)


@shared_task
def converted_rollups_refresh_task(since: str) -> int:
    """After new exchange rates: cost rollups of non-USD orgs rebuilt from their first day."""
    return converted_rollups_refresh(since=date.fromisoformat(since))
