from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from margins.alerts import margin_alerts_evaluate
from margins.ingestion.partitions import event_partitions_maintain
from margint.models import Organization


@shared_task(acks_late=True)
def margin_alerts_evaluate_task(org_id: str) -> int:
    """Evaluate margin alerts for one org now; enqueue with margin_alerts_evaluate_task.delay(str(org.pk))."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return 0
    return margin_alerts_evaluate(org=org, as_of=timezone.now())


@shared_task(ignore_result=True)
def event_partitions_maintain_task() -> None:
    """Daily from beat: coming months' cost-event partitions created, expired ones dropped."""
    event_partitions_maintain(now=timezone.now())
