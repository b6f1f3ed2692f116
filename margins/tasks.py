from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from margins.alerts import margin_alerts_evaluate
from margint.models import Organization


@shared_task(acks_late=True)
def margin_alerts_evaluate_task(org_id: str) -> int:
    """Evaluate margin alerts for one org now; enqueue with margin_alerts_evaluate_task.delay(str(org.pk))."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return 0
    return margin_alerts_evaluate(org=org, as_of=timezone.now())
