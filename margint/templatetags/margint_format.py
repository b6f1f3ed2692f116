"""Template helpers every page uses to show numbers and times: `{% load margint_format %}`.

{{ row.revenue|money:org.reporting_currency }}   $1,234.56 (micro-units in)
{{ row.margin_percent|percent }}                  42.5%
{{ impact.revenue_days|count }}                   10,672 (a whole number with thousands separators)
{{ sync.last_sync_at|local_time }}                <time> localized by static/js/local-time.js
{{ key.created_at|local_date }}                   <time>, the date only
{{ row.health_tier|tier_badge }}                  <span class="badge badge-at_risk">At risk</span>
{% sparkline row.sparkline %}                     inline SVG, the projected point dashed
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from margint import formatting
from margint.sparkline import as_points, sparkline_svg

register = template.Library()

TIER_LABELS = {"healthy": "Healthy", "moderate": "Moderate", "at_risk": "At risk", "critical": "Critical"}


@register.filter
def money(amount_micro: int | None, currency: str) -> str:
    """Micro-units of `currency` as "$1,234.56"; "—" for None."""
    if amount_micro is None or amount_micro == "":
        return formatting.MISSING
    return formatting.money(int(amount_micro), currency)


@register.filter
def count(value) -> str:
    """A whole number with thousands separators, "10,672"; "—" for None."""
    if value is None or value == "":
        return formatting.MISSING
    return f"{int(value):,}"


@register.filter
def percent(value) -> str:
    return formatting.percent(value)


def _time_tag(value: datetime | date | None, kind: str, empty: str) -> SafeString | str:
    if value is None or value == "":
        return empty
    return format_html(
        '<time datetime="{}" data-local="{}">{}</time>',
        formatting.utc_iso(value),
        kind,
        formatting.utc_text(value),
    )


@register.filter
def local_time(value: datetime | None, empty: str = formatting.MISSING) -> SafeString | str:
    """A date and time, "2026-04-05 10:00 UTC" until the script shows it in the viewer's zone."""
    if isinstance(value, datetime) or value is None or value == "":
        return _time_tag(value, "datetime", empty)
    return _time_tag(value, "date", empty)


@register.filter
def local_date(value: datetime | date | None, empty: str = formatting.MISSING) -> SafeString | str:
    """The date alone; a datetime is first taken to its UTC date so server and script agree."""
    if isinstance(value, datetime):
        value = datetime.fromisoformat(formatting.utc_iso(value)).date()
    return _time_tag(value, "date", empty)


@register.filter
def tier_badge(tier: str | None) -> SafeString | str:
    if not tier:
        return formatting.MISSING
    key = str(tier)
    return format_html('<span class="badge badge-{}">{}</span>', key, TIER_LABELS.get(key, key))


@register.simple_tag
def sparkline(points: Iterable[object] | None, width: int = 96, height: int = 28) -> SafeString:
    """Inline SVG from Points, API sparkline dicts or calculation SparkPoints."""
    # sparkline_svg escapes every label it writes and builds the rest from numbers.
    return mark_safe(sparkline_svg(as_points(points or ()), width=int(width), height=int(height)))  # noqa: S308
