"""The margins page's rows as the strings its table shows, made once per row here.

Fifty rows each passed through a dozen template filters and lookups cost the page more than
its SQL statements' tail: the template now prints these fields as they are. The strings come
from the same formatting functions the filters call (margint.formatting, margint_format), so a
figure reads the same as anywhere else on the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.urls import reverse
from django.utils.safestring import SafeString

from margins.calculations import MarginRow, Month
from margint import formatting
from margint.templatetags.margint_format import sparkline, tier_badge


@dataclass(frozen=True, slots=True)
class ShownRow:
    """One table row; a projected_* field is "" when the month has no projection for it."""

    tag_value: str
    name: str
    href: str
    revenue: str
    cost: str
    margin: str
    percent: str
    tier: SafeString | str
    projected_revenue: str
    projected_cost: str
    projected_percent: str
    projected_tier: SafeString | str
    anomaly_days: list[date]
    worsening: bool
    sparkline: SafeString


def shown_rows_text(
    rows: Iterable[MarginRow], *, currency: str, period: Month, anomalies: Mapping[str, list[date]]
) -> list[ShownRow]:
    return [_shown(row, currency, f"?period={period}", anomalies) for row in rows]


def _shown(row: MarginRow, currency: str, period_qs: str, anomalies: Mapping[str, list[date]]) -> ShownRow:
    projection = row.projection
    return ShownRow(
        tag_value=row.tag_value,
        name=row.customer_name or row.tag_value,
        href=reverse("margin-customer-page", args=[row.tag_value]) + period_qs,
        revenue=formatting.money(row.revenue, currency),
        cost=formatting.money(row.cost, currency),
        margin=formatting.money(row.margin, currency),
        percent=formatting.percent(row.margin_percent),
        tier=tier_badge(row.health_tier),
        projected_revenue=formatting.money(projection.revenue, currency) if projection else "",
        projected_cost=_money_or_blank(projection.cost if projection else None, currency),
        projected_percent=_percent_or_blank(projection.margin_percent if projection else None),
        projected_tier=tier_badge(projection.health_tier) if projection and projection.health_tier else "",
        anomaly_days=anomalies.get(row.tag_value) or [],
        worsening=row.projected_tier_worsening,
        sparkline=sparkline(row.sparkline),
    )


def _money_or_blank(amount: int | None, currency: str) -> str:
    return "" if amount is None else formatting.money(amount, currency)


def _percent_or_blank(value: Decimal | None) -> str:
    return "" if value is None else formatting.percent(value)
