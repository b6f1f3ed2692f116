"""The budget check integrators call before an LLM call: computed on every call from the
budgets' statuses (selectors), never cached. A check also hands its budgets' crossings to the
budget webhooks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from django.utils import timezone

from margins.calculations import Month
from margint.formatting import json_timestamp
from margint.models import Organization
from publicapi.budgets import calculations
from publicapi.budgets.alerts import budget_alerts_emit
from publicapi.budgets.calculations import status_json
from publicapi.budgets.selectors import budget_statuses


def budget_check_json(
    *, org: Organization, customer: str, feature: str = "", now: datetime | None = None
) -> bytes:
    """The rendered check body for (customer, feature), computed now."""
    now = now or timezone.now()
    today = now.date()
    statuses = budget_statuses(org=org, customer=customer, feature=feature, today=today)
    budget_alerts_emit(org=org, statuses=statuses, month=Month.containing(today))
    return orjson.dumps(
        check_body(calculations.verdict(statuses), customer=customer, feature=feature, now=now)
    )


def check_body(verdict: calculations.CheckVerdict, *, customer: str, feature: str, now: datetime) -> dict:
    body: dict[str, Any] = {"allowed": verdict.allowed}
    if not verdict.allowed:
        body["reason"] = calculations.REASON_EXCEEDED
        body["breaches"] = [status_json(s) for s in verdict.breaches]
    body["warnings"] = [status_json(s) for s in verdict.warnings]
    body["budgets"] = [status_json(s) for s in verdict.statuses]
    body["customer"] = customer
    body["feature"] = feature or None
    body["month"] = str(Month.containing(now.date()))
    body["checkedAt"] = json_timestamp(now)
    return body
