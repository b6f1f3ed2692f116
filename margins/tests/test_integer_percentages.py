"""The integer path (hundredths of a percent, cents in one call) gives what the Decimal path gives."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from margins.calculations import (
    TierThresholds,
    divided_half_up,
    margin_hundredths,
    margin_percent,
    micros_to_cents,
    micros_to_cents_each,
    tier_bounds,
    tier_for_hundredths,
    tier_for_percent,
)

M = 1_000_000  # one dollar in micro-units


def _amount_pairs() -> list[tuple[int, int]]:
    """(revenue, cost): edges, exact ties at half a hundredth, and many random amounts."""
    rng = random.Random(20260407)
    pairs = [(0, 0), (0, 5), (-3 * M, 0), (-3 * M, 2 * M), (1, 0), (1, 1), (1, 2), (3, 1), (3, 2)]
    pairs += [(M, M), (M, M + 1), (M, M + 49), (M, M + 50), (M, M + 51), (M, M - 50), (M, 3 * M)]
    # With revenue 1,000,000 a hundredth of a percent is 100 micro-units: 50 more is a tie.
    pairs += [(M, M - 100 * k - 50) for k in range(-300, 300)]
    pairs += [(2 * M, 2 * M - 200 * k - 100) for k in range(-300, 300)]
    pairs += [(200, 200 - k) for k in range(-300, 300)]  # a tie on every odd k
    for _ in range(20_000):
        small, large = rng.randrange(-(10**6), 10**6), rng.randrange(1, 10**15)
        revenue = rng.choice([small, large, rng.randrange(1, 10**4)])
        cost = rng.choice([0, rng.randrange(0, 10**15), rng.randrange(0, 4 * abs(revenue) + 1), revenue])
        pairs.append((revenue, cost))
    return pairs


PAIRS = _amount_pairs()
THRESHOLDS = [
    TierThresholds(),
    TierThresholds(healthy=Decimal("33.335"), moderate=Decimal("12.5"), at_risk=Decimal("-10.005")),
    TierThresholds(healthy=Decimal(100), moderate=Decimal("0.01"), at_risk=Decimal("-0.001")),
    TierThresholds(healthy=Decimal(0), moderate=Decimal(0), at_risk=Decimal(-100)),
]


def test_margin_hundredths_is_margin_percent_in_hundredths():
    for revenue, cost in PAIRS:
        expected = margin_percent(revenue, cost)
        hundredths = margin_hundredths(revenue, cost)
        assert Decimal(hundredths).scaleb(-2) == expected, (revenue, cost)
        # The JSON number of either is the same float: h / 100 and float(Decimal) are both correctly rounded.
        assert hundredths / 100 == float(expected), (revenue, cost)


@pytest.mark.parametrize("thresholds", THRESHOLDS)
def test_tier_for_hundredths_is_tier_for_percent(thresholds):
    bounds = tier_bounds(thresholds)
    # Every hundredth around each threshold, then the hundredths of the amounts above.
    near = [b + step for b in bounds for step in range(-3, 4)]
    for hundredths in near + [margin_hundredths(revenue, cost) for revenue, cost in PAIRS]:
        percent = Decimal(hundredths).scaleb(-2)
        assert tier_for_hundredths(hundredths, bounds) == tier_for_percent(percent, thresholds), hundredths


def test_a_percent_exactly_at_a_threshold_reaches_it():
    thresholds = TierThresholds(healthy=Decimal("33.33"), moderate=Decimal("12.5"))
    bounds = tier_bounds(thresholds)
    assert bounds == (3333, 1250, 0)
    assert tier_for_hundredths(3333, bounds).value == "healthy"
    assert tier_for_hundredths(3332, bounds).value == "moderate"
    assert tier_for_hundredths(1250, bounds).value == "moderate"
    assert tier_for_hundredths(0, bounds).value == "at_risk"
    assert tier_for_hundredths(-1, bounds).value == "critical"


@pytest.mark.parametrize(
    ("numerator", "denominator", "rounded"),
    [
        (5, 2, 3),
        (-5, 2, -3),
        (7, 2, 4),
        (-7, 2, -4),
        (4, 3, 1),
        (-4, 3, -1),
        (5, 3, 2),
        (-5, 3, -2),
        (0, 7, 0),
    ],
)
def test_divided_half_up_rounds_ties_away_from_zero(numerator, denominator, rounded):
    assert divided_half_up(numerator, denominator) == rounded


def test_micros_to_cents_each_is_micros_to_cents_of_each():
    amounts = [amount for pair in PAIRS for amount in pair]
    # Every tie (an odd multiple of half a cent) and its neighbours.
    amounts += [5_000 * k + step for k in range(-400, 400) for step in (-1, 0, 1)]
    assert micros_to_cents_each(amounts) == [micros_to_cents(amount) for amount in amounts]
    assert micros_to_cents_each(()) == []
