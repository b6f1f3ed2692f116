"""Reads of the cost side: cost-side customers, their cost by day, month or day range, breakdowns.

They read the daily rollups (and, for whole months, the monthly totals), never raw events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import NamedTuple

from django.db import connection
from django.db.models import CharField, Q, Sum
from django.db.models.functions import Cast, TruncMonth

from margins.models import Customer, CustomerDailyCost, CustomerMonthlyCost, DailyRollup, OrgFeatureDailyCost
from margint.models import Organization
from margint.sql import uuid_param


@dataclass(frozen=True)
class CostCustomerInfo:
    id: str
    external_id: str
    name: str
    email: str
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class CostTotals:
    cost_micro: int
    request_count: int


def cost_customers(
    *, org: Organization, seen_since: datetime | None = None, external_ids: Iterable[str] | None = None
) -> dict[str, CostCustomerInfo]:
    rows = Customer.objects.filter(org=org)
    if seen_since is not None:
        rows = rows.filter(last_seen_at__gte=seen_since)
    if external_ids is not None:
        rows = rows.filter(external_id__in=list(external_ids))
    return {
        c.external_id: CostCustomerInfo(
            str(c.id), c.external_id, c.name, c.email, c.first_seen_at, c.last_seen_at
        )
        for c in rows
    }


class CustomerLabel(NamedTuple):
    """What a list row shows of a cost-side customer (a tuple: a list reads 10,000 of them)."""

    id: str
    name: str
    email: str


def cost_customer_labels(
    *, org: Organization, external_ids: Iterable[str] | None = None
) -> dict[str, CustomerLabel]:
    """Id, name and email of each cost-side customer, by external id: what a list row shows.

    Narrower than `cost_customers`, for lists of 10,000: no model instances, and on PostgreSQL the
    id read as its text (the canonical dashed form) rather than parsed into a UUID. Other databases
    store it as 32 hex digits, so there it is read as a UUID and written out the same way.
    """
    rows = Customer.objects.filter(org=org)
    if external_ids is not None:
        rows = rows.filter(external_id__in=list(external_ids))
    id_field = "id"
    if connection.vendor == "postgresql":
        rows, id_field = rows.annotate(id_text=Cast("id", CharField())), "id_text"
    fields = rows.values_list("external_id", id_field, "name", "email")
    return {ext: CustomerLabel(str(pk), name, email) for ext, pk, name, email in fields}


def cost_customer_search(*, org: Organization, q: str, limit: int) -> list[CostCustomerInfo]:
    """Cost-side customers whose tag value (external id), name or email contains `q`, most recent first."""
    rows = Customer.objects.filter(org=org)
    if q:
        rows = rows.filter(Q(external_id__icontains=q) | Q(name__icontains=q) | Q(email__icontains=q))
    rows = rows.order_by("-last_seen_at", "external_id")[:limit]
    return [
        CostCustomerInfo(str(c.id), c.external_id, c.name, c.email, c.first_seen_at, c.last_seen_at)
        for c in rows
    ]


def feature_search(*, org: Organization, q: str, since: date, limit: int) -> list[str]:
    """Feature names the org's cost carried since `since` that contain `q`, alphabetically."""
    rows = DailyRollup.objects.filter(org=org, day__gte=since).exclude(feature="")
    if q:
        rows = rows.filter(feature__icontains=q)
    return list(rows.order_by("feature").values_list("feature", flat=True).distinct()[:limit])


def cost_by_customer(
    *, org: Organization, start: date, end: date, features: Iterable[str] | None = None
) -> dict[str, CostTotals]:
    """Cost and request count per cost-side customer (external id) over the days [start, end)."""
    if features:
        base = DailyRollup.objects.filter(org=org, day__gte=start, day__lt=end, feature__in=list(features))
    else:
        base = CustomerDailyCost.objects.filter(org=org, day__gte=start, day__lt=end)
    rows = base.values_list("customer__external_id").annotate(
        cost=Sum("cost_micro"), requests=Sum("request_count")
    )
    return {ext: CostTotals(int(cost), int(requests)) for ext, cost, requests in rows}


def cost_by_customer_month(*, org: Organization, start: date, end: date) -> dict[tuple[str, date], int]:
    """Cost per (external id, first day of month) over the days [start, end)."""
    if start.day == 1 and end.day == 1:
        # Whole months: the monthly totals hold the same sums, 30 times fewer rows.
        # A monthly row outlives its deleted days with zeros: skip months with nothing in them.
        rows = (
            CustomerMonthlyCost.objects.filter(org=org, month__gte=start, month__lt=end)
            .exclude(cost_micro=0, request_count=0)
            .values_list("customer__external_id", "month")
            .annotate(total=Sum("cost_micro"))
        )
        return {(ext, month): int(total) for ext, month, total in rows}
    rows = (
        CustomerDailyCost.objects.filter(org=org, day__gte=start, day__lt=end)
        .annotate(month=TruncMonth("day"))
        .values_list("customer__external_id", "month")
        .annotate(total=Sum("cost_micro"))
    )
    return {(ext, _as_date(month)): int(total) for ext, month, total in rows}


def cost_by_customer_day(
    *, org: Organization, start: date, end: date, features: Iterable[str] | None = None
) -> dict[tuple[str, date], int]:
    if features:
        base = DailyRollup.objects.filter(org=org, day__gte=start, day__lt=end, feature__in=list(features))
        rows = base.values_list("customer__external_id", "day").annotate(total=Sum("cost_micro"))
    else:
        rows = CustomerDailyCost.objects.filter(org=org, day__gte=start, day__lt=end).values_list(
            "customer__external_id", "day", "cost_micro"
        )
    return {(ext, day): int(total) for ext, day, total in rows}


def cost_by_customer_buckets(
    *,
    org: Organization,
    edges: Sequence[date],
    features: Iterable[str] | None = None,
    external_ids: Iterable[str] | None = None,
) -> dict[str, tuple[int, ...]]:
    """Cost per cost-side customer in each day range [edges[i], edges[i+1]), in one grouped query.

    One row per customer instead of one per (customer, day): a 90-day table of 10,000 customers
    reads 10,000 rows, not 900,000. Customers without cost in [edges[0], edges[-1]) are absent.
    Grouped by the customer's key and named afterwards: joining the customer table for its
    external id before grouping would join every daily row.
    """
    if len(edges) < 2 or any(lo >= hi for lo, hi in pairwise(edges)):
        raise ValueError("edges must be at least two strictly increasing days")
    if features:
        base = DailyRollup.objects.filter(feature__in=list(features))
    else:
        base = CustomerDailyCost.objects.all()
    base = base.filter(org=org, day__gte=edges[0], day__lt=edges[-1])
    customers = Customer.objects.filter(org=org)
    if external_ids is not None:
        customers = customers.filter(external_id__in=list(external_ids))
        base = base.filter(customer__in=customers)
    sums = {
        f"b{index}": Sum("cost_micro", filter=Q(day__gte=lo, day__lt=hi), default=0)
        for index, (lo, hi) in enumerate(pairwise(edges))
    }
    rows = base.values_list("customer_id").annotate(**sums).order_by()
    names = dict(customers.values_list("id", "external_id"))
    return {names[pk]: tuple(map(int, amounts)) for pk, *amounts in rows}


# The org's side from its per-day feature totals (a few rows a day whatever the number of
# customers), the customer's from its daily rollups (which the writer keeps with the daily totals
# in one transaction): at most a month of rows each, in one statement of one row. Raw SQL, because
# this is the budget check's hot path (which joins it to the budgets, publicapi.budgets.selectors)
# and the ORM's two aggregates cost it more than the reading itself.
def scope_spend_sql(customer: str, feature: str) -> str:
    """A statement of one row, the cost of each budget scope in micro-units: `org_total` (the org's,
    every feature), `org_feature` (the org's, of `feature`), `customer_total` (`customer`'s, every
    feature) and `customer_feature` (`customer`'s, of `feature`), over the days [%(start)s,
    %(end)s) of the org %(org)s (the parameters of `scope_spend_params`). `customer` and `feature`
    are SQL expressions: placeholders, or the columns of a row of an outer statement that it is a
    subquery of."""
    return f"""
SELECT o.total AS org_total, o.feature AS org_feature,
       c.total AS customer_total, c.feature AS customer_feature
FROM (SELECT COALESCE(SUM(cost_micro), 0) AS total,
             COALESCE(SUM(cost_micro) FILTER (WHERE feature = {feature}), 0) AS feature
      FROM {OrgFeatureDailyCost._meta.db_table}
      WHERE org_id = %(org)s AND day >= %(start)s AND day < %(end)s) AS o,
     (SELECT COALESCE(SUM(r.cost_micro), 0) AS total,
             COALESCE(SUM(r.cost_micro) FILTER (WHERE r.feature = {feature}), 0) AS feature
      FROM {DailyRollup._meta.db_table} AS r
      JOIN {Customer._meta.db_table} AS k ON k.id = r.customer_id
      WHERE k.org_id = %(org)s AND k.external_id = {customer}
        AND r.org_id = %(org)s AND r.day >= %(start)s AND r.day < %(end)s) AS c
"""  # noqa: S608 (table names from the models, expressions from the caller's code)


def scope_spend_params(org: Organization, customer: str, feature: str, start: date, end: date) -> dict:
    return {
        "org": uuid_param(org.pk),
        "customer": customer,
        "feature": feature,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def cost_total(*, org: Organization, start: date, end: date) -> int:
    """The org's cost over the days [start, end), from the per-day feature totals
    (OrgFeatureDailyCost: a few rows a day whatever the number of customers; they add up to the
    customers' daily totals, written in the same transaction)."""
    rows = OrgFeatureDailyCost.objects.filter(org=org, day__gte=start, day__lt=end)
    return int(rows.aggregate(t=Sum("cost_micro"))["t"] or 0)


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    cost_micro: int
    request_count: int
    unpriced_count: int = 0  # requests of a model without a price: in request_count, not in cost_micro


def cost_breakdown(
    *, org: Organization, external_id: str, start: date, end: date, by: str
) -> list[BreakdownRow]:
    """One customer's cost by "model", "feature" or "provider", largest first."""
    if by not in ("model", "feature", "provider"):
        raise ValueError(f"cannot break cost down by {by!r}")
    rows = (
        DailyRollup.objects.filter(org=org, customer__external_id=external_id, day__gte=start, day__lt=end)
        .values_list(by)
        .annotate(cost=Sum("cost_micro"), requests=Sum("request_count"), unpriced=Sum("unpriced_count"))
        .order_by("-cost", by)
    )
    return [
        BreakdownRow(key, int(cost), int(requests), int(unpriced)) for key, cost, requests, unpriced in rows
    ]


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
