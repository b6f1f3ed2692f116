from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from margins.costs.rollups import rollups_check
from margins.costs.services import events_ingest
from margins.costs.tests.ingestion_helpers import event
from margins.models import CostEvent, CustomerDailyCost, DailyRollup

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def seed(org, days=3):
    events = [
        event(
            now=NOW,
            customer=f"c{i % 2}",
            costMicrodollars=10 * (i + 1),
            occurredAt=(NOW - timedelta(days=i)).isoformat(),
        )
        for i in range(days)
    ]
    events_ingest(org=org, events=events, now=NOW)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_check_rollups_passes_when_rollups_equal_raw_sums(org, other_org):
    seed(org)
    seed(other_org)
    assert (
        run("check_rollups")
        == "Rollups match the raw events: 2 organizations, 6 daily rollups, 6 daily totals.\n"
    )


def test_check_rollups_names_every_difference_and_fails(org):
    seed(org)
    DailyRollup.objects.filter(org=org, day=date(2026, 11, 21)).update(cost_micro=11)
    CustomerDailyCost.objects.filter(org=org, day=date(2026, 11, 20)).delete()
    result = rollups_check(org=org)
    assert [(m.table, m.expected, m.found) for m in result.mismatches] == [
        ("daily_rollup", (10, 1, 0, 1000, 500, 0), (11, 1, 0, 1000, 500, 0)),
        ("customer_daily_cost", (20, 1), ()),
    ]
    with pytest.raises(CommandError, match="2 rollup rows differ"):
        run("check_rollups", "--org", org.public_id)


def test_check_rollups_finds_an_event_whose_customer_is_gone(org):
    seed(org)
    CostEvent.objects.filter(org=org).update(customer_id="00000000-0000-0000-0000-000000000001")
    assert [m.table for m in rollups_check(org=org).mismatches if m.table == "cost_event"] == ["cost_event"]


def test_rebuild_rollups_restores_them_from_the_events(org):
    seed(org)
    DailyRollup.objects.filter(org=org).update(cost_micro=0, request_count=9)
    CustomerDailyCost.objects.filter(org=org).delete()
    assert run("rebuild_rollups").endswith("3 rollups, 3 daily totals\n")
    assert rollups_check(org=org).mismatches == ()
    assert sorted(CustomerDailyCost.objects.filter(org=org).values_list("day", "cost_micro")) == [
        (date(2026, 11, 19), 30),
        (date(2026, 11, 20), 20),
        (date(2026, 11, 21), 10),
    ]


def test_rebuild_since_a_day_leaves_earlier_days_alone(org, other_org):
    seed(org)
    seed(other_org)
    DailyRollup.objects.update(cost_micro=5)
    run("rebuild_rollups", "--org", org.public_id, "--since", "2026-11-20")
    assert sorted(DailyRollup.objects.filter(org=org).values_list("day", "cost_micro")) == [
        (date(2026, 11, 19), 5),
        (date(2026, 11, 20), 20),
        (date(2026, 11, 21), 10),
    ]
    assert set(DailyRollup.objects.filter(org=other_org).values_list("cost_micro", flat=True)) == {5}


def test_rollup_commands_refuse_an_unknown_org(db):
    with pytest.raises(CommandError, match="No organization"):
        run("rebuild_rollups", "--org", "org_nope")
    with pytest.raises(CommandError, match="No organization"):
        run("check_rollups", "--org", "org_nope")
