"""The periodic budget alert scan (CELERY_BEAT_SCHEDULE "publicapi-budget-alerts")."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from margins.calculations import Month
from margint.models import Organization
from publicapi.budgets.alerts import budget_alerts_emit
from publicapi.budgets.selectors import org_budget_statuses

logger = logging.getLogger(__name__)


# Named as when it lived in publicapi/tasks.py: the beat schedule and tasks queued before a deploy.
@shared_task(acks_late=True, name="publicapi.tasks.budget_alerts_scan")
def budget_alerts_scan() -> int:
    """Every budget of every Pro organization against this month's spend; returns the new alerts."""
    today = timezone.now().date()
    emitted = 0
    for org in Organization.objects.filter(budgets__isnull=False).distinct():
        if not org.is_pro:
            continue
        # One organization's failure is logged and never stops the scan of the others.
        try:
            statuses = org_budget_statuses(org=org, today=today)
            emitted += budget_alerts_emit(org=org, statuses=statuses, month=Month.containing(today))
        except Exception:
            logger.exception("budget alert scan failed for organization %s", org.pk)
    return emitted
