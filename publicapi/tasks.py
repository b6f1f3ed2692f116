from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from margins.calculations import Month
from margint.models import Organization
from publicapi.budget_alerts import budget_alerts_emit
from publicapi.budgets import org_budget_statuses


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
