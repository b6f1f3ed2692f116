"""Monthly totals read as one row per customer with one sum per requested month."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import BigIntegerField, Q, Sum
from django.db.models.functions import Cast

from margins.calculations import Month
from margins.models import CustomerMonthlyCost, CustomerMonthlyRevenue
from margint.models import Organization


def _by_month(months: Sequence[Month], column: str) -> dict[str, Cast]:
    # Cast: PostgreSQL sums bigints as numeric, which would arrive as Decimals to convert back.
    return {
        f"m{i}": Cast(Sum(column, filter=Q(month=month.first_day), default=0), BigIntegerField())
        for i, month in enumerate(months)
    }


def monthly_cost(
    *, org: Organization, months: Sequence[Month], external_ids: Iterable[str] | None = None
) -> dict[str, tuple[int, ...]]:
    """Cost per cost-side customer (external id), one amount per month of `months`, in their order.

    Customers with no monthly row in any of the months are absent.
    """
    rows = CustomerMonthlyCost.objects.filter(org=org, month__in=[m.first_day for m in months])
    if external_ids is not None:
        rows = rows.filter(customer__external_id__in=list(external_ids))
    sums = _by_month(months, "cost_micro")
    pivot = rows.values("customer__external_id").annotate(**sums).values_list("customer__external_id", *sums)
    return {ext: tuple(amounts) for ext, *amounts in pivot}


def monthly_revenue(
    *, org: Organization, months: Sequence[Month], stripe_ids: Iterable[str] | None = None
) -> dict[str, tuple[int, ...]]:
    """Recognized revenue per Stripe customer id, one amount per month of `months`, in their order."""
    rows = CustomerMonthlyRevenue.objects.filter(org=org, month__in=[m.first_day for m in months])
    if stripe_ids is not None:
        rows = rows.filter(stripe_customer__stripe_id__in=list(stripe_ids))
    sums = _by_month(months, "amount_micro")
    pivot = (
        rows.values("stripe_customer__stripe_id")
        .annotate(**sums)
        .values_list("stripe_customer__stripe_id", *sums)
    )
    return {sid: tuple(amounts) for sid, *amounts in pivot}
