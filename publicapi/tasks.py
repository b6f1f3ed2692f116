from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from margint.models import Organization
from publicapi.margin_alerts import margin_alerts_evaluate


# Named as when it lived in margins/tasks.py, so tasks queued before a deploy still find it.
@shared_task(acks_late=True, name="margins.tasks.margin_alerts_evaluate_task")
def margin_alerts_evaluate_task(org_id: str) -> int:
    """Evaluate margin alerts for one org now; enqueue with margin_alerts_evaluate_task.delay(str(org.pk))."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return 0
    return margin_alerts_evaluate(org=org, as_of=timezone.now())
