"""GET /v0/profitability warns of cost events stored at cost 0 for want of a price, in its window only."""

from __future__ import annotations

import pytest

from margins.costs.services import events_ingest
from margins.costs.tests.ingestion_helpers import event
from publicapi.tests.conftest import NOW
from publicapi.tests.key_helpers import key_for, keyed_client

# Counted window [03-10 06:00, 03-13 00:00): the rollups answer for 03-11 and 03-12, raw events for
# the hours of 03-10.
WINDOW = {"from": "2026-03-10T06:00:00Z", "to": "2026-03-13T00:00:00Z"}


def _url(org, window=WINDOW):
    return f"/v0/profitability?merchantId={org.public_id}&from={window['from']}&to={window['to']}"


def unpriced(at: str, **fields) -> dict:
    """An event of a model genai-prices does not know, without a cost: stored unpriced."""
    return event(
        now=NOW,
        **{"occurredAt": at, "provider": "acme", "model": "house-v2", "costMicrodollars": None, **fields},
    )


def ingest(org, *events) -> None:
    events_ingest(org=org, events=list(events), now=NOW)


def warning(count: int, models: str) -> str:
    return (
        f"{count} cost event(s) in this range could not be priced and were stored at cost 0 ({models}): "
        "their cost is missing from totalCost, so profit is overstated."
    )


def test_unpriced_events_in_the_window_are_counted_per_model(api, org, frozen_now):
    ingest(
        org,
        unpriced("2026-03-10T05:30:00Z"),  # before `from`, on the first day
        unpriced("2026-03-10T06:00:00Z"),
        unpriced("2026-03-11T00:00:00Z", customer="cus_2"),
        unpriced("2026-03-12T23:59:59Z"),
        unpriced("2026-03-12T10:00:00Z", model="house-v3"),
        unpriced("2026-03-13T00:00:00Z"),  # at `to`
        event(now=NOW, occurredAt="2026-03-11T12:00:00Z", costMicrodollars=None),  # priced from tokens
        unpriced("2026-03-11T12:00:00Z", costMicrodollars=5),  # its cost was sent
    )
    assert api.get(_url(org)).json()["warnings"] == [warning(4, "acme/house-v2: 3, acme/house-v3: 1")]


@pytest.mark.parametrize(
    "window",
    [
        {"from": "2026-03-11T00:00:00Z", "to": "2026-03-13T00:00:00Z"},  # whole days only
        {"from": "2026-03-12T10:00:00Z", "to": "2026-03-12T11:00:00Z"},  # one hour of one day
        {"from": "2026-03-11T23:00:00Z", "to": "2026-03-12T11:00:00Z"},  # two partial days
    ],
)
def test_whole_days_partial_days_and_single_hours_count_alike(api, org, frozen_now, window):
    ingest(
        org,
        unpriced("2026-03-11T22:59:59Z"),
        unpriced("2026-03-11T23:00:00Z"),
        unpriced("2026-03-12T10:30:00Z"),
        unpriced("2026-03-12T11:00:00Z"),
    )
    inside = {"2026-03-11T00:00:00Z": 4, "2026-03-12T10:00:00Z": 1, "2026-03-11T23:00:00Z": 2}
    count = inside[window["from"]]
    assert api.get(_url(org, window)).json()["warnings"] == [warning(count, f"acme/house-v2: {count}")]


def test_no_warning_when_the_unpriced_events_lie_outside_the_window(api, org, frozen_now):
    ingest(
        org,
        unpriced("2026-03-09T12:00:00Z"),
        unpriced("2026-03-10T05:59:59Z"),
        unpriced("2026-03-13T00:00:00Z"),
        unpriced("2026-03-15T00:00:00Z"),
    )
    assert api.get(_url(org)).json()["warnings"] == []


def test_no_warning_when_every_event_was_priced(api, org, frozen_now):
    ingest(org, event(now=NOW, occurredAt="2026-03-11T12:00:00Z", costMicrodollars=None))
    assert api.get(_url(org)).json()["warnings"] == []


def test_an_outsiders_unpriced_events_never_appear(api, org, other_org, frozen_now):
    ingest(other_org, unpriced("2026-03-10T07:00:00Z"), unpriced("2026-03-11T12:00:00Z", model="secret-v1"))
    assert api.get(_url(org)).json()["warnings"] == []
    own = keyed_client(key_for(other_org, name="rival")).get(_url(other_org)).json()["warnings"]
    assert own == [warning(2, "acme/house-v2: 1, acme/secret-v1: 1")]


def test_models_past_five_are_counted_together_and_a_blank_model_is_named(api, org, frozen_now):
    ingest(
        org,
        *[unpriced("2026-03-11T12:00:00Z", model=f"m{i}") for i in range(6) for _ in range(7 - i)],
        *[unpriced("2026-03-11T12:00:00Z", model="", provider="") for _ in range(8)],
    )
    assert api.get(_url(org)).json()["warnings"] == [
        warning(35, "no model: 8, acme/m0: 7, acme/m1: 6, acme/m2: 5, acme/m3: 4, 2 more model(s): 5")
    ]
