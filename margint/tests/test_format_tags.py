from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load margint_format %}" + source).render(Context(context))


def test_money_filter_uses_the_currency_it_is_given():
    assert render("{{ v|money:'eur' }}", v=1_234_567_890) == "€1,234.57"
    assert render("{{ v|money:cur }}", v=1_234_560_000, cur="jpy") == "¥1,235"
    assert render("{{ v|money:'usd' }}", v=None) == "—"


def test_percent_filter():
    assert render("{{ v|percent }}", v=Decimal("42.45")) == "42.5%"


def test_local_time_renders_a_time_element_with_utc_text():
    when = datetime(2026, 4, 5, 10, 0, tzinfo=UTC)
    assert render("{{ t|local_time }}", t=when) == (
        '<time datetime="2026-04-05T10:00:00Z" data-local="datetime">2026-04-05 10:00 UTC</time>'
    )
    assert render("{{ t|local_time:'never' }}", t=None) == "never"


def test_local_date_takes_a_datetime_to_its_utc_date():
    late = datetime(2026, 4, 5, 23, 30, tzinfo=UTC)
    assert (
        render("{{ t|local_date }}", t=late)
        == '<time datetime="2026-04-05" data-local="date">2026-04-05</time>'
    )
    assert render("{{ t|local_date }}", t=date(2026, 1, 2)) == (
        '<time datetime="2026-01-02" data-local="date">2026-01-02</time>'
    )


def test_tier_badge_names_the_tier():
    assert render("{{ t|tier_badge }}", t="at_risk") == '<span class="badge badge-at_risk">At risk</span>'


def test_sparkline_tag_renders_inline_svg_unescaped():
    html = render(
        "{% sparkline s %}",
        s=[{"period": "2026-04", "marginPercent": 5}, {"period": "2026-05", "marginPercent": 9}],
    )
    assert html.startswith('<svg class="spark"') and "&lt;" not in html
    assert render("{% sparkline s %}", s=None) == ""


def test_count_puts_thousands_separators_in_whole_numbers():
    from django.template import Context, Template

    rendered = Template("{% load margint_format %}{{ a|count }} {{ b|count }} {{ c|count }}").render(
        Context({"a": 10672, "b": 7, "c": None})
    )
    assert rendered == "10,672 7 —"
