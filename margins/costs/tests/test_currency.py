"""Cost in a reporting currency other than USD: each event converted at its day's rate in the
rollups, the events keeping their USD cost; a rebuild equals what ingestion added; a change of
currency and newly published rates rebuild the rollups. Figures worked by hand from the sample
rate file (margint/fx/sample) under docs/currencies.md's rule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from margins.costs.rollups import rollups_check, rollups_rebuild
from margins.costs.services import events_ingest
from margins.costs.tests.ingestion_helpers import event
from margins.models import CostEvent, CustomerDailyCost
from margint.fx.models import CurrencyRebuild, ExchangeRate
from margint.services import organization_update_settings

SAMPLE = Path(__file__).resolve().parents[3] / "margint" / "fx" / "sample" / "eurofxref-hist-sample.csv"
NOW = datetime(2026, 1, 16, 18, 0, tzinfo=UTC)


def at(day: int) -> str:
    return datetime(2026, 1, day, 9, 0, tzinfo=UTC).isoformat()


@pytest.fixture
def euro_org(org):
    call_command("import_fx_rates", str(SAMPLE))
    org.reporting_currency = "eur"
    org.save()
    return org


def daily_cost(org) -> dict[date, int]:
    return dict(CustomerDailyCost.objects.filter(org=org).values_list("day", "cost_micro"))


def ingest(org, *events):
    return events_ingest(org=org, events=list(events), now=NOW)


def test_each_event_is_converted_at_its_days_rate_and_keeps_its_usd_cost(euro_org):
    ingest(
        euro_org,
        # Friday the 9th, 1 EUR = 1.1750 USD: 1.000000 USD -> 851_063.8297 -> 851_064 micro-EUR.
        event(costMicrodollars=1_000_000, occurredAt=at(9)),
        # Saturday the 10th takes Friday's rate: 2 x 851_063.8297... = 1_702_127.659 -> 1_702_128.
        event(costMicrodollars=2_000_000, occurredAt=at(10)),
        # The 14th has N/A everywhere: the 13th's 1.1700. 585 / 1.17 = 500 exactly.
        event(costMicrodollars=585, occurredAt=at(14)),
        # Two events of one day are converted one by one: 1 / 1.17 = 0.85 -> 1, twice.
        event(costMicrodollars=1, occurredAt=at(15), feature="a"),
        event(costMicrodollars=1, occurredAt=at(15), feature="b"),
    )

    assert daily_cost(euro_org) == {
        date(2026, 1, 9): 851_064,
        date(2026, 1, 10): 1_702_128,
        date(2026, 1, 14): 500,
        # The 15th: 1.1650 -> 1 / 1.165 = 0.858 -> 1 each.
        date(2026, 1, 15): 2,
    }
    assert sorted(CostEvent.objects.filter(org=euro_org).values_list("cost_micro", flat=True)) == [
        1,
        1,
        585,
        1_000_000,
        2_000_000,
    ]
    assert rollups_check(org=euro_org).mismatches == ()


def test_a_rebuild_gives_what_ingestion_added(euro_org):
    ingest(euro_org, *(event(costMicrodollars=333_333 + n, occurredAt=at(5 + n % 10)) for n in range(40)))
    added = daily_cost(euro_org)

    rollups_rebuild(org=euro_org)

    assert daily_cost(euro_org) == added
    assert rollups_check(org=euro_org).mismatches == ()


def test_a_change_of_currency_rebuilds_the_cost_rollups(euro_org, django_capture_on_commit_callbacks):
    ingest(euro_org, event(costMicrodollars=1_000_000, occurredAt=at(9)))

    with django_capture_on_commit_callbacks(execute=True):
        org = organization_update_settings(org=euro_org, reporting_currency="gbp")

    # 1 USD on the 9th in GBP: 0.87500 / 1.1750 = 0.744680851... -> 744_681.
    assert daily_cost(org) == {date(2026, 1, 9): 744_681}
    rebuild = CurrencyRebuild.objects.get(org=org)
    assert (rebuild.status, rebuild.progress, rebuild.previous_currency) == ("succeeded", 100, "eur")


def test_a_rate_published_later_replaces_the_one_carried_forward(
    euro_org, django_capture_on_commit_callbacks
):
    ingest(euro_org, event(costMicrodollars=1_000_000, occurredAt=at(16)))
    assert daily_cost(euro_org) == {date(2026, 1, 16): 862_069}  # the 16th's 1.1600

    ExchangeRate.objects.filter(day=date(2026, 1, 16)).delete()
    rollups_rebuild(org=euro_org)
    assert daily_cost(euro_org) == {date(2026, 1, 16): 858_369}  # carried: the 15th's 1.1650

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_fx_rates", str(SAMPLE))

    assert daily_cost(euro_org) == {date(2026, 1, 16): 862_069}


def test_ties_round_half_to_even_on_both_writers(euro_org):
    # 1 EUR = 1.6 USD: 1 USD = 0.625 EUR, so 4 micro-USD is 2.5 and 12 is 7.5 micro-EUR.
    ExchangeRate.objects.filter(day__in=[date(2026, 1, 12), date(2026, 1, 13)], currency="usd").update(
        per_euro=1.6
    )

    ingest(
        euro_org,
        event(costMicrodollars=4, occurredAt=at(12)),
        event(costMicrodollars=12, occurredAt=at(13)),
    )

    assert daily_cost(euro_org) == {date(2026, 1, 12): 2, date(2026, 1, 13): 8}
    assert rollups_check(org=euro_org).mismatches == ()
