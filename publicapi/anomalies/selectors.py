"""Reads of the cost anomalies found: which customers get the badge."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from margint.models import Organization
from publicapi.anomalies.models import CostAnomaly


def anomaly_days(
    *, org: Organization, start: date, end: date, external_ids: Iterable[str] | None = None
) -> dict[str, list[date]]:
    """The days in [start, end) with a cost anomaly, per customer (external id / tag value)."""
    rows = CostAnomaly.objects.filter(org=org, day__gte=start, day__lt=end)
    if external_ids is not None:
        rows = rows.filter(external_id__in=list(external_ids))
    found: dict[str, list[date]] = {}
    for external_id, day in rows.order_by("external_id", "day").values_list("external_id", "day"):
        found.setdefault(external_id, []).append(day)
    return found
