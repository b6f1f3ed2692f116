"""Auto-matching as a task, for callers that would rather not wait for it (after a sync)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from mappings.services import automatch_run
from margint.models import Organization


@shared_task
def automatch_org(org_id: str) -> dict[str, int]:
    org = Organization.objects.get(pk=org_id)
    return asdict(automatch_run(org=org, as_of=timezone.now()))
