"""Find the cost anomalies of an organization's recent days, store them and alert once each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db.models import Min

from margins.calculations.anomalies import Anomaly, AnomalyPolicy, series_anomalies
from margins.models import CustomerDailyCost
from margint.models import Organization
from publicapi.anomalies.models import AnomalySettings, CostAnomaly
from publicapi.notifications.models import COST_ANOMALY_DETECTED
from publicapi.notifications.services import webhook_event_emit


def org_sensitivity(org: Organization) -> str:
    own = AnomalySettings.objects.filter(org=org).values_list("sensitivity", flat=True).first()
    return own or AnomalySettings.Sensitivity.MEDIUM


def cost_anomalies_detect(*, org: Organization, days: Sequence[date]) -> int:
    """Check `days` of every customer of the org; store each anomaly found and emit its webhook.

    Returns how many `cost.anomaly_detected` events were new. Running it again for the same days
    finds the same anomalies and emits nothing more: the (org, customer, day) row and the
    webhook's dedupe key are both unique. A Free org and an org with alerts off get nothing.
    """
    policy = AnomalyPolicy.for_sensitivity(org_sensitivity(org))
    if not org.is_pro or policy is None or not days:
        return 0
    emitted = 0
    for external_id, anomaly in _anomalies(org, days, policy):
        _store(org, external_id, anomaly)
        event = webhook_event_emit(
            org=org,
            event_type=COST_ANOMALY_DETECTED,
            data=anomaly_data(external_id, anomaly, policy),
            dedupe_key=f"{COST_ANOMALY_DETECTED}:{anomaly.day}:{external_id}",
        )
        emitted += event is not None
    return emitted


def _anomalies(org: Organization, days: Sequence[date], policy: AnomalyPolicy) -> list[tuple[str, Anomaly]]:
    # Only a customer whose cost on a checked day could exceed its median by the minimal excess
    # can have an anomaly: its history is read, not every customer's.
    candidates = set(
        CustomerDailyCost.objects.filter(
            org=org, day__in=list(days), cost_micro__gte=policy.min_excess_micro
        ).values_list("customer_id", flat=True)
    )
    if not candidates:
        return []
    start = min(days) - timedelta(days=policy.window_days)
    rows = CustomerDailyCost.objects.filter(
        org=org, customer_id__in=candidates, day__gte=start, day__lte=max(days)
    ).values_list("customer__external_id", "day", "cost_micro")
    series: dict[str, dict[date, int]] = defaultdict(dict)
    for external_id, day, cost in rows:
        series[external_id][day] = cost
    firsts = dict(
        CustomerDailyCost.objects.filter(org=org, customer_id__in=candidates, cost_micro__gt=0)
        .values("customer__external_id")
        .annotate(first=Min("day"))
        .values_list("customer__external_id", "first")
    )
    return [
        (external_id, anomaly)
        for external_id in sorted(series)
        for anomaly in series_anomalies(
            series[external_id], days=days, policy=policy, first_day=firsts.get(external_id)
        )
    ]


def _store(org: Organization, external_id: str, anomaly: Anomaly) -> None:
    CostAnomaly.objects.get_or_create(
        org=org,
        external_id=external_id,
        day=anomaly.day,
        defaults={
            "cost_micro": anomaly.cost,
            "median_micro": anomaly.baseline.median,
            "threshold_micro": anomaly.baseline.threshold,
        },
    )


def anomaly_data(external_id: str, anomaly: Anomaly, policy: AnomalyPolicy) -> dict[str, Any]:
    return {
        "object": {
            "customer": {"tagValue": external_id},
            "day": anomaly.day.isoformat(),
            "cost_microdollars": anomaly.cost,
            "baseline": {
                "median_microdollars": anomaly.baseline.median,
                "threshold_microdollars": anomaly.baseline.threshold,
                "window_days": policy.window_days,
            },
            "ratio": str(anomaly.ratio),
        }
    }
