from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from margins import memo
from margins.calculations import Month
from margint.models import Organization
from publicapi import window_sums
from publicapi.budget_alerts import budget_alerts_emit
from publicapi.budgets import org_budget_statuses
from publicapi.margin_alerts import margin_alerts_evaluate
from publicapi.windows import RANGES, rolling_window

# An org whose API keys read nothing for this long gets no sums prepared: its first request adds them up.
PREPARE_FOR_KEYS_USED_WITHIN = timedelta(days=7)


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


@shared_task(acks_late=True)
def window_sums_prepare() -> int:
    """Just after UTC midnight: the new day's window sums of every range, added up once here and
    shared through the cache (publicapi/window_sums.py), so that the web processes adopt them and
    no request of the day adds up every daily row. For each Pro organization with an API key used
    in the last week; returns how many were prepared.

    The sums need no feature filter (a filtered list is rarer; it adds up at its first request).
    This process keeps no copy: it does not serve requests.
    """
    if not memo.versions_possible():
        return 0  # no process could adopt them (not PostgreSQL, or inside a transaction)
    now = timezone.now()
    recent = now - PREPARE_FOR_KEYS_USED_WITHIN
    orgs = Organization.objects.filter(api_keys__revoked_at__isnull=True, api_keys__last_used_at__gte=recent)
    prepared = 0
    for org in orgs.distinct():
        if not org.is_pro:
            continue
        for range_ in RANGES:
            window_sums.current_window_sums(org=org, window=rolling_window(range_, now.date()), now=now)
            prepared += 1
        memo.clear()
    return prepared


# Named as when it lived in margins/tasks.py, so tasks queued before a deploy still find it.
@shared_task(acks_late=True, name="margins.tasks.margin_alerts_evaluate_task")
def margin_alerts_evaluate_task(org_id: str) -> int:
    """Evaluate margin alerts for one org now; enqueue with margin_alerts_evaluate_task.delay(str(org.pk))."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return 0
    return margin_alerts_evaluate(org=org, as_of=timezone.now())
