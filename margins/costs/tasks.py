"""Celery tasks of the cost events: the rollups rebuilt in a new reporting currency or after new
rates; the monthly partitions of the raw events kept."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from margins.costs.partitions import event_partitions_maintain
from margins.costs.rollups import converted_rollups_refresh, cost_rebuild_execute
from margint.fx.models import CurrencyRebuild


@shared_task(acks_late=False)
def cost_rebuild_run(rebuild_id: str) -> int:
    """The cost part of a change of reporting currency (margint.fx.models.CurrencyRebuild)."""
    rebuild = CurrencyRebuild.objects.filter(pk=rebuild_id, status=CurrencyRebuild.Status.RUNNING).first()
    return 0 if rebuild is None else cost_rebuild_execute(rebuild=rebuild)


@shared_task
def converted_rollups_refresh_task(since: str) -> int:
    """After new exchange rates: cost rollups of non-USD orgs rebuilt from their first day."""
    return converted_rollups_refresh(since=date.fromisoformat(since))


@shared_task(ignore_result=True)
def event_partitions_maintain_task() -> None:
    """Daily from beat: coming months' cost-event partitions created, expired ones dropped."""
    event_partitions_maintain(now=timezone.now())
