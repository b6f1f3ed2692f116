"""Public API test fixtures: fixed clocks, keys of the personas' orgs, keyed clients."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publicapi import ratelimit
from publicapi.tests.key_helpers import key_for, keyed_client

# A Wednesday afternoon in the middle of a month: windows and months are easy to check by hand.
NOW = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)
RATE_WINDOW_START = 1_900_000_020  # a multiple of 60: a one-minute rate-limit window starts here


@pytest.fixture
def frozen_now(clock_at):
    return clock_at(NOW)


@pytest.fixture
def rate_clock(monkeypatch):
    """The rate limiter's clock, 20 s into the window at RATE_WINDOW_START; the test moves it by
    changing `rate_clock["t"]`. Requests counted on the wall clock could straddle a minute."""
    now = {"t": RATE_WINDOW_START + 20.0}
    monkeypatch.setattr(ratelimit.time, "time", lambda: now["t"])
    return now


@pytest.fixture
def api(org):
    """A client with a read+write key of `org`."""
    return keyed_client(key_for(org))


@pytest.fixture
def read_only_api(org):
    return keyed_client(key_for(org, scopes=("read",), name="reader"))


@pytest.fixture
def outsider_api(other_org):
    """A key of another organization: must never see or change anything of `org`."""
    return keyed_client(key_for(other_org, name="rival"))


@pytest.fixture
def free_api(free_org):
    return keyed_client(key_for(free_org, name="free"))
