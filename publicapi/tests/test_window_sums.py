"""publicapi.window_sums: the sums a process keeps, or adopts from another, equal what adding every
daily row up again gives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from celery.schedules import crontab
from django.db import connection, transaction

from billing.models import RevenueDaily
from billing.services import stripe_disconnect
from billing.tests.factories import StripeConnectionFactory
from margins import memo, monthly, shared_copies
from margins.costs.services import events_ingest
from margins.models import CustomerDailyCost
from margins.tests.shared_cache import failing_caches, hear_cache_warnings, recorded_shares
from margint.celery import app as celery_app
from publicapi import tasks, window_sums
from publicapi.keys import api_key_create
from publicapi.models import ApiKey
from publicapi.tests.factories import add_cost, add_revenue, map_tag
from publicapi.windows import RANGES, rolling_window

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def kept(requires_postgres, transactional_db, org, other_org):
    """Committed rows, as in production: the kept sums follow transaction ids."""
    memo.clear()
    map_tag(org, "cus_a", "acme")
    map_tag(org, "cus_b", "beta")
    add_cost(org, "acme", TODAY, 1_000_000)
    add_cost(org, "acme", date(2026, 1, 2), 300_000)  # in the 90d window, two months back
    add_cost(org, "acme", date(2025, 10, 1), 70_000)  # in the previous 90 days
    add_cost(org, "beta", date(2026, 3, 1), 500_000, feature="search")
    add_revenue(org, "cus_a", date(2026, 3, 10), 9_000_000)
    add_revenue(org, "cus_b", date(2026, 1, 5), 4_000_000)
    add_cost(other_org, "acme", TODAY, 99_000_000)
    add_revenue(other_org, "cus_a", TODAY, 55_000_000)
    yield org
    memo.clear()


def sums_now(org, range_="90d", features=None):
    return window_sums.current_window_sums(
        org=org, window=rolling_window(range_, TODAY), now=NOW, features=features
    )


def added_up_again(org, range_="90d", features=None):
    return window_sums.window_sums(org=org, window=rolling_window(range_, TODAY), now=NOW, features=features)


@pytest.fixture
def reads(monkeypatch):
    """The customers each call of `window_sums` read: None for every one.

    Rows written while another transaction of the cluster was running are named again by later
    reads (see margins/totals.py), so a re-read may name more customers than the last change.
    """
    calls = []
    real = window_sums.window_sums

    def recording(**kwargs):
        calls.append((kwargs.get("external_ids"), kwargs.get("stripe_ids")))
        return real(**kwargs)

    monkeypatch.setattr(window_sums, "window_sums", recording)
    return calls


def test_first_read_adds_up_every_customer_and_matches_the_daily_rows(kept, reads):
    first = sums_now(kept)
    assert reads == [(None, None)]
    assert first.cost["acme"][0] == 70_000  # the previous 90 days
    assert sum(first.cost["acme"][1:]) == 1_300_000
    assert first.revenue == {"cus_a": (0, 9_000_000, 9_000_000), "cus_b": (0, 4_000_000, 0)}
    assert first == added_up_again(kept)


def test_an_unchanged_org_adds_up_no_customer_again_in_full(kept, reads):
    first = sums_now(kept)
    assert sums_now(kept) == first
    assert reads[0] == (None, None)
    assert (None, None) not in reads[1:]


def test_ingested_events_re_read_only_their_customer(kept, reads):
    before = sums_now(kept)
    result = events_ingest(
        org=kept,
        events=[
            {"customer": "acme", "costMicrodollars": 250_000, "occurredAt": NOW.isoformat()},
            {"customer": "acme", "costMicrodollars": 40_000, "occurredAt": "2026-01-20T10:00:00+00:00"},
        ],
        now=NOW,
    )
    assert result.accepted == 2
    after = sums_now(kept)
    assert "acme" in reads[1][0]
    assert reads[1][0] <= {"acme", "beta"}
    assert sum(after.cost["acme"][1:]) == sum(before.cost["acme"][1:]) + 290_000
    assert after.cost["beta"] == before.cost["beta"]
    assert after == added_up_again(kept)


def test_a_customer_seen_for_the_first_time_is_added(kept, reads):
    sums_now(kept)
    add_cost(kept, "gamma", TODAY - timedelta(days=3), 123_456)
    after = sums_now(kept)
    assert "gamma" in reads[1][0]
    assert after.cost["gamma"][-1] == 123_456
    assert after == added_up_again(kept)


def test_revenue_written_by_the_sync_re_reads_its_stripe_customer(kept, reads):
    sums_now(kept)
    add_revenue(kept, "cus_b", TODAY - timedelta(days=1), 2_500_000)
    add_revenue(kept, "cus_new", TODAY, 1_000_000)  # no mapping yet: counted in the org's revenue
    after = sums_now(kept)
    assert {"cus_b", "cus_new"} <= reads[1][1]
    assert after.revenue["cus_b"] == (0, 6_500_000, 2_500_000)
    assert after.revenue["cus_new"] == (0, 1_000_000, 1_000_000)
    assert after == added_up_again(kept)


def test_deleted_daily_rows_are_noticed_and_everything_is_added_up_again(kept, reads):
    sums_now(kept)
    CustomerDailyCost.objects.filter(org=kept, customer__external_id="acme", day=TODAY).delete()
    RevenueDaily.objects.filter(org=kept, stripe_customer__stripe_id="cus_a").delete()
    after = sums_now(kept)
    assert sum(after.cost["acme"][1:]) == 300_000
    assert "cus_a" not in after.revenue
    assert after == added_up_again(kept)


def test_a_feature_filter_keeps_its_own_sums(kept, reads):
    chat = sums_now(kept, features=["chat"])
    assert "beta" not in chat.cost  # beta's only cost is on "search"
    add_cost(kept, "beta", TODAY, 10_000, feature="chat")
    add_cost(kept, "acme", TODAY, 20_000, feature="search")
    after = sums_now(kept, features=["chat"])
    assert after.cost["beta"][-1] == 10_000
    assert after.cost["acme"] == chat.cost["acme"]
    assert after == added_up_again(kept, features=["chat"])
    assert sums_now(kept) == added_up_again(kept)


def test_every_range_follows_the_same_changes(kept, reads):
    for range_ in ("7d", "30d", "90d"):
        sums_now(kept, range_)
    add_cost(kept, "acme", TODAY, 5_000)
    for range_ in ("7d", "30d", "90d"):
        assert sums_now(kept, range_) == added_up_again(kept, range_)


def test_another_orgs_writes_never_reach_these_sums(kept, other_org, reads):
    first = sums_now(kept)
    add_cost(other_org, "acme", TODAY, 1_000)
    add_revenue(other_org, "cus_a", TODAY, 1_000)
    assert sums_now(kept) == first
    outsider = sums_now(other_org)
    assert outsider.cost.keys() == {"acme"}
    assert outsider.cost["acme"][-1] == 99_001_000
    assert outsider.revenue == {"cus_a": (0, 55_001_000, 55_001_000)}


# Sums shared between processes through the cache. A process started anew keeps nothing of its
# own, while the cache keeps what the others shared.


def in_a_new_process():
    memo.clear()


@pytest.fixture
def shares(monkeypatch):
    """The sums (cost, revenue) each share put in the cache, in order."""
    return recorded_shares(monkeypatch)


def test_a_new_process_adopts_the_shared_sums_and_re_reads_only_the_changed_customers(kept, reads):
    sums_now(kept)
    result = events_ingest(
        org=kept,
        events=[{"customer": "acme", "costMicrodollars": 250_000, "occurredAt": NOW.isoformat()}],
        now=NOW,
    )
    assert result.accepted == 1
    add_cost(kept, "gamma", TODAY - timedelta(days=3), 123_456)  # a customer seen for the first time
    add_revenue(kept, "cus_b", TODAY - timedelta(days=1), 2_500_000)
    add_revenue(kept, "cus_new", TODAY, 1_000_000)
    in_a_new_process()
    adopted = sums_now(kept)
    assert reads[0] == (None, None)
    cost_keys, stripe_ids = reads[1]
    assert {"acme", "gamma"} <= cost_keys <= {"acme", "beta", "gamma"}
    assert {"cus_b", "cus_new"} <= stripe_ids <= {"cus_a", "cus_b", "cus_new"}
    assert adopted.cost["gamma"][-1] == 123_456
    assert adopted.revenue["cus_new"] == (0, 1_000_000, 1_000_000)
    assert adopted == added_up_again(kept)


def test_an_adopted_copy_is_brought_up_to_date_like_a_kept_one(kept, reads):
    sums_now(kept)
    in_a_new_process()
    sums_now(kept)
    add_cost(kept, "beta", TODAY, 7_000)
    after = sums_now(kept)
    assert (None, None) not in reads[1:]
    assert "beta" in reads[-1][0]
    assert after == added_up_again(kept)


def test_a_stripe_disconnect_after_the_share_makes_the_new_process_add_everything_up(kept, reads):
    sums_now(kept)
    StripeConnectionFactory(org=kept)
    assert stripe_disconnect(org=kept)  # deletes the monthly revenue rows with the Stripe customers
    in_a_new_process()
    after = sums_now(kept)
    assert reads[1] == (None, None)
    assert after.revenue == {}
    assert after == added_up_again(kept)


def test_a_rebuild_of_the_monthly_rows_after_the_share_is_followed(kept, reads):
    sums_now(kept)
    CustomerDailyCost.objects.filter(org=kept, customer__external_id="acme", day=TODAY).update(cost_micro=5)
    with transaction.atomic():
        monthly.rebuild(connection, org_id=kept.pk)
    in_a_new_process()
    after = sums_now(kept)
    assert after.cost["acme"][-1] == 5
    assert after == added_up_again(kept)


def test_another_orgs_copy_and_writes_never_reach_these_sums(kept, other_org, reads):
    mine = sums_now(kept)
    in_a_new_process()
    outsider = sums_now(other_org)  # finds no copy of its own
    assert outsider.cost["acme"][-1] == 99_000_000
    add_cost(other_org, "acme", TODAY, 1_000)
    add_revenue(other_org, "cus_a", TODAY, 1_000)
    in_a_new_process()
    assert sums_now(kept) == mine
    outsider = sums_now(other_org)
    assert reads[1] == (None, None)
    assert (None, None) not in reads[2:]  # each adopted its own org's copy
    assert outsider.cost["acme"][-1] == 99_001_000
    assert outsider == added_up_again(other_org)


def test_a_feature_filter_shares_its_own_sums(kept, reads):
    chat = sums_now(kept, features=["chat"])
    add_cost(kept, "beta", TODAY, 10_000, feature="chat")
    add_cost(kept, "acme", TODAY, 20_000, feature="search")
    in_a_new_process()
    after = sums_now(kept, features=["chat"])
    assert reads[1] != (None, None)
    assert after.cost["beta"][-1] == 10_000
    assert after.cost["acme"] == chat.cost["acme"]
    assert after == added_up_again(kept, features=["chat"])
    # The same months' totals are kept now: the unfiltered sums are added up, and right.
    assert sums_now(kept) == added_up_again(kept)


def test_a_process_shares_again_after_a_change_at_most_once_a_minute(kept, reads, shares, monkeypatch):
    first = sums_now(kept)
    assert shares == [(first.cost, first.revenue)]
    add_cost(kept, "beta", TODAY, 1_000)
    sums_now(kept)
    assert len(shares) == 1  # changed, but shared less than a minute ago
    monkeypatch.setattr(shared_copies, "SHARE_SECONDS", 0)
    add_cost(kept, "gamma", TODAY, 2_000)
    latest = sums_now(kept)
    assert shares[-1] == (latest.cost, latest.revenue)
    in_a_new_process()
    monkeypatch.setattr(shared_copies, "SHARE_SECONDS", 60)
    add_cost(kept, "acme", TODAY, 3_000)
    adopted = sums_now(kept)
    assert "acme" in reads[-1][0]
    assert adopted == added_up_again(kept)
    shared = len(shares)
    add_cost(kept, "acme", TODAY, 4_000)
    sums_now(kept)
    assert len(shares) == shared  # an adopted copy counts as just shared


@failing_caches
def test_a_failing_cache_only_means_nothing_is_shared(kept, reads, settings, backend, caplog, monkeypatch):
    settings.CACHES = {"default": backend}
    hear_cache_warnings(caplog, monkeypatch)
    sums_now(kept)
    add_cost(kept, "beta", TODAY, 1_000)
    in_a_new_process()
    after = sums_now(kept)
    assert reads == [(None, None), (None, None)]
    assert after.cost["beta"][-1] == 1_000
    assert after == added_up_again(kept)
    assert "the shared window sums are unavailable" in caplog.text


def _key(org, used_at, revoked_at=None):
    """A read key of the org, last used at `used_at`."""
    api_key_create(org=org, name="reader", scopes=("read",))
    ApiKey.objects.filter(org=org, last_used_at__isnull=True).update(
        last_used_at=used_at, revoked_at=revoked_at
    )


def test_at_midnight_the_day_s_sums_are_prepared_and_the_web_processes_adopt_them(
    kept, reads, clock_at, free_org, other_org
):
    clock_at(NOW)
    _key(kept, NOW - timedelta(days=2))
    _key(other_org, NOW - timedelta(days=8))  # unused for more than a week
    _key(free_org, NOW - timedelta(hours=1))  # no v1 API on the free tier
    assert tasks.window_sums_prepare() == len(RANGES)
    assert reads == [(None, None)] * len(RANGES)  # each range added up once, in the task
    add_cost(kept, "beta", TODAY, 2_000)
    in_a_new_process()
    for range_ in RANGES:
        reads.clear()
        assert sums_now(kept, range_) == added_up_again(kept, range_)
        assert (None, None) not in reads[:1] and "beta" in reads[0][0]


def test_a_revoked_key_prepares_nothing(kept, reads, clock_at):
    clock_at(NOW)
    _key(kept, NOW - timedelta(hours=1), revoked_at=NOW - timedelta(minutes=5))
    assert tasks.window_sums_prepare() == 0
    assert reads == []


def test_where_no_process_could_adopt_them_nothing_is_prepared(org, clock_at):
    # Inside the test's transaction (or on SQLite) no sums are kept or shared.
    clock_at(NOW)
    _key(org, NOW - timedelta(hours=1))
    assert tasks.window_sums_prepare() == 0


def test_beat_prepares_the_sums_at_utc_midnight(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["publicapi-window-sums"]
    assert entry["task"] == "publicapi.tasks.window_sums_prepare"
    assert entry["schedule"] == crontab(minute=0, hour=0)
    assert entry["task"] in celery_app.tasks
