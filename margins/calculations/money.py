"""Money at the edges: micro-units as CSV dollars and as API cents.

Every amount inside Margint is integer micro-units of the org's reporting currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat

MICROS_PER_UNIT = 1_000_000
MICROS_PER_CENT = 10_000


def micros_to_dollars(amount: int) -> str:
    """Micro-units as a two-decimal string for CSV; a tie goes to the even cent.

    From the whole cents of `micros_to_cents`: a 10,000-row CSV writes 30,000 amounts. An amount
    that rounds to zero prints "0.00", never "-0.00": a spreadsheet should read plain zero.
    """
    cents = micros_to_cents(amount)
    units, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{units}.{rest:02d}"


def micros_to_cents(amount: int) -> int:
    """Micro-units as whole cents; a tie goes to the even cent.

    Integer arithmetic (`micros_to_cents_each`), the same result as Decimal half-even rounding.
    """
    return micros_to_cents_each((amount,))[0]


def micros_to_cents_each(amounts: Iterable[int]) -> list[int]:
    """`micros_to_cents` of each amount, in one call (the rule is written here): a v1 list row
    rounds 7 amounts and its spark, without a Python call per amount."""
    half = MICROS_PER_CENT // 2  # divmod floors, so the remainder is never negative
    return [
        cents + 1 if rest > half or (rest == half and cents % 2) else cents
        for cents, rest in map(divmod, amounts, repeat(MICROS_PER_CENT))
    ]
