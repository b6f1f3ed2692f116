from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from margins.calculations import Month
from margint.models import Organization
from publicapi.budget_alerts import budget_alerts_emit
from publicapi.budgets import org_budget_statuses
from publicapi.margin_alerts import margin_alerts_evaluate


@shared_task(acks_late=True)
def budget_alerts_scan() -> int:
    """Every budget of every Pro organization against this month's spend; returns the new alerts."""
    today = timezone.now().date()
    emitted = 0
    for org in Organization.objects.filter(budgets__isnull=False).distinct():
        if org.is_pro:
            statuses = org_budget_statuses(org=org, today=today)
            emitted += budget_alerts_emit(org=org, statuses=statuses, month=Month.containing(today))
    return emitted


# Named as when it lived in margins/tasks.py, so tasks queued before a deploy still find it.
@shared_task(acks_late=True, name="margins.tasks.margin_alerts_evaluate_task")
def margin_alerts_evaluate_task(org_id: str) -> int:
    """Evaluate margin alerts for one org now; enqueue with margin_alerts_evaluate_task.delay(str(org.pk))."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return 0
    return margin_alerts_evaluate(org=org, as_of=timezone.now())
