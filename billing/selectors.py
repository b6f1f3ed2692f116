"""Reads of the revenue side that other apps use. Amounts are micro-units of the reporting currency."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from billing.models import RevenueDaily, StripeConnection, StripeCustomer, SyncRun
from margint.models import Organization


@dataclass(frozen=True)
class StripeCustomerInfo:
    stripe_id: str
    name: str
    email: str
    deleted: bool
    metadata: dict[str, Any]


def stripe_customers(
    *, org: Organization, stripe_ids: list[str] | None = None
) -> dict[str, StripeCustomerInfo]:
    rows = StripeCustomer.objects.filter(org=org)
    if stripe_ids is not None:
        rows = rows.filter(stripe_id__in=stripe_ids)
    return {
        r.stripe_id: StripeCustomerInfo(r.stripe_id, r.name, r.email, r.deleted, r.metadata)
        for r in rows.only("stripe_id", "name", "email", "deleted", "metadata")
    }


def revenue_by_customer(*, org: Organization, start: date, end: date) -> dict[str, int]:
    """Recognized revenue per Stripe customer id over the days [start, end)."""
    rows = (
        RevenueDaily.objects.filter(org=org, day__gte=start, day__lt=end)
        .values_list("stripe_customer__stripe_id")
        .annotate(total=Sum("amount_micro"))
    )
    return {stripe_id: int(total) for stripe_id, total in rows}


def revenue_by_customer_month(*, org: Organization, start: date, end: date) -> dict[tuple[str, date], int]:
    """Recognized revenue per (Stripe customer id, first day of month) over the days [start, end)."""
    rows = (
        RevenueDaily.objects.filter(org=org, day__gte=start, day__lt=end)
        .annotate(month=TruncMonth("day"))
        .values_list("stripe_customer__stripe_id", "month")
        .annotate(total=Sum("amount_micro"))
    )
    return {(stripe_id, _as_date(month)): int(total) for stripe_id, month, total in rows}


def revenue_by_customer_day(*, org: Organization, start: date, end: date) -> dict[tuple[str, date], int]:
    rows = RevenueDaily.objects.filter(org=org, day__gte=start, day__lt=end).values_list(
        "stripe_customer__stripe_id", "day", "amount_micro"
    )
    out: dict[tuple[str, date], int] = defaultdict(int)
    for stripe_id, day, amount in rows:
        out[(stripe_id, day)] += amount
    return dict(out)


def revenue_total(*, org: Organization, start: date, end: date) -> int:
    total = RevenueDaily.objects.filter(org=org, day__gte=start, day__lt=end).aggregate(t=Sum("amount_micro"))
    return int(total["t"] or 0)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class SyncStatus:
    connected: bool
    status: str  # the connection's status, or "not_connected"
    last_sync_at: datetime | None
    skipped_currencies: dict[str, int] = field(default_factory=dict)
    running: bool = False
    last_error: str = ""


def sync_status(*, org: Organization) -> SyncStatus:
    connection = StripeConnection.objects.filter(org=org).first()
    if connection is None:
        return SyncStatus(connected=False, status="not_connected", last_sync_at=None)
    last_done = (
        SyncRun.objects.filter(org=org, status=SyncRun.Status.SUCCEEDED).order_by("-started_at").first()
    )
    running = SyncRun.objects.filter(org=org, status=SyncRun.Status.RUNNING).exists()
    skipped = dict(last_done.stats.get("skippedCurrencies", {})) if last_done else {}
    return SyncStatus(
        connected=True,
        status=connection.status,
        last_sync_at=connection.last_synced_at,
        skipped_currencies=skipped,
        running=running,
        last_error=connection.last_error,
    )


@dataclass(frozen=True)
class CustomerMrr:
    amount_micro: int
    source: str  # "subscriptions" | "invoices" | "none"


def mrr_by_customer(*, org: Organization, as_of: datetime) -> dict[str, CustomerMrr]:
    """MRR per Stripe customer id. Customers absent from the result have MRR 0, source "none".

    Without subscription mirrors the MRR is the trailing 30 days of recognized revenue
    (source "invoices"); subscriptions, where synced, take precedence.
    """
    end = as_of.date() + timedelta(days=1)
    trailing = revenue_by_customer(org=org, start=end - timedelta(days=30), end=end)
    return {sid: CustomerMrr(amount, "invoices") for sid, amount in trailing.items() if amount > 0}
