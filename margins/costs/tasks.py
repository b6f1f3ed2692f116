from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from margins.costs.partitions import event_partitions_maintain


@shared_task(ignore_result=True)
def event_partitions_maintain_task() -> None:
    """Daily from beat: coming months' cost-event partitions created, expired ones dropped."""
    event_partitions_maintain(now=timezone.now())
