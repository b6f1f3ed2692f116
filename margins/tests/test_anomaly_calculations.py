"""Cost anomaly detection on synthetic series: steady, spike, slow growth, new customer."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from margins.calculations.anomalies import AnomalyPolicy, baseline_of, series_anomalies

M = 1_000_000
START = date(2026, 3, 1)
POLICY = AnomalyPolicy()


def series(costs: list[int], start: date = START) -> dict[date, int]:
    return {start + timedelta(days=i): cost for i, cost in enumerate(costs)}


def every_day(daily: dict[date, int]) -> list[date]:
    return sorted(daily)


def noisy(base: int, days: int, seed: int = 7) -> list[int]:
    rng = random.Random(seed)
    return [int(base * (1 + rng.uniform(-0.15, 0.15))) for _ in range(days)]


def test_a_steady_series_raises_nothing():
    daily = series(noisy(20 * M, 60))
    assert series_anomalies(daily, days=every_day(daily), policy=POLICY) == []


def test_a_flat_series_raises_nothing_for_a_few_cents_more():
    daily = series([5 * M] * 40 + [5 * M + 50_000])
    assert series_anomalies(daily, days=every_day(daily), policy=POLICY) == []


def test_a_spike_raises_exactly_one_alert_on_its_day():
    costs = noisy(20 * M, 45)
    costs[40] = 120 * M
    daily = series(costs)
    (anomaly,) = series_anomalies(daily, days=every_day(daily), policy=POLICY)
    assert anomaly.day == START + timedelta(days=40)
    assert anomaly.cost == 120 * M
    assert anomaly.baseline.median < 21 * M < anomaly.baseline.threshold < 120 * M
    assert anomaly.ratio > Decimal(5)


def test_slow_growth_raises_nothing():
    daily = series([int(10 * M * 1.02**i) for i in range(90)])  # doubles in five weeks
    assert series_anomalies(daily, days=every_day(daily), policy=POLICY) == []


def test_a_new_customer_raises_nothing_however_it_starts():
    daily = series([1 * M] * 5 + [500 * M, 2 * M, 900 * M])
    assert series_anomalies(daily, days=every_day(daily), policy=POLICY) == []


def test_history_reaching_back_before_the_read_window_counts():
    daily = series([0] * 20 + [100 * M], start=START)
    days = [START + timedelta(days=20)]
    assert series_anomalies(daily, days=days, policy=POLICY) == []  # first cost is the spike: new
    found = series_anomalies(daily, days=days, policy=POLICY, first_day=START - timedelta(days=90))
    assert [a.day for a in found] == days


def test_a_lower_sensitivity_needs_a_bigger_spike():
    costs = noisy(20 * M, 30)
    costs[-1] = 40 * M
    daily = series(costs)
    high = AnomalyPolicy.for_sensitivity("high")
    low = AnomalyPolicy.for_sensitivity("low")
    assert len(series_anomalies(daily, days=[max(daily)], policy=high)) == 1
    assert series_anomalies(daily, days=[max(daily)], policy=low) == []
    assert AnomalyPolicy.for_sensitivity("off") is None


def test_baseline_is_robust_to_one_earlier_outlier():
    history = [10 * M] * 27 + [1000 * M]
    base = baseline_of(history, POLICY)
    assert base.median == 10 * M
    assert base.threshold == 20 * M  # the relative floor: a quarter of the median, four times
