from __future__ import annotations

from datetime import UTC, timedelta

from celery import shared_task
from django.utils import timezone

from margint.models import Organization, Tier
from publicapi.anomalies.services import cost_anomalies_detect


@shared_task(acks_late=True)
def cost_anomalies_scan() -> int:
    """Beat, hourly: one detection task per Pro organization."""
    orgs = list(Organization.objects.exclude(tier=Tier.FREE).values_list("pk", flat=True))
    for org_id in orgs:
        cost_anomalies_detect_task.delay(str(org_id))
    return len(orgs)


@shared_task(acks_late=True)
def cost_anomalies_detect_task(org_id: str) -> int:
    """Yesterday (complete) and today so far: a spike alerts as soon as the day's cost is past the bar."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return 0
    today = timezone.now().astimezone(UTC).date()
    return cost_anomalies_detect(org=org, days=[today - timedelta(days=1), today])
