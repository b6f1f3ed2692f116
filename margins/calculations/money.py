"""Money at the edges: micro-units as CSV dollars and as API cents.

Every amount inside Margint is integer micro-units of the org's reporting currency.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

MICROS_PER_UNIT = 1_000_000
MICROS_PER_CENT = 10_000

_CENT = Decimal("0.01")


def micros_to_dollars(amount: int) -> str:
    """Micro-units as a two-decimal string for CSV; a tie goes to the even cent."""
    value = (Decimal(amount) / MICROS_PER_UNIT).quantize(_CENT, rounding=ROUND_HALF_EVEN)
    # -0.004 would print as "-0.00"; a spreadsheet should read plain zero.
    return str(value.copy_abs() if value == 0 else value)


def micros_to_cents(amount: int) -> int:
    """Micro-units as whole cents; a tie goes to the even cent.

    Integer arithmetic, the same result as Decimal half-even rounding: a 10,000-row API page
    rounds some 200,000 amounts. divmod floors, so the remainder is never negative.
    """
    cents, rest = divmod(amount, MICROS_PER_CENT)
    half = MICROS_PER_CENT // 2
    if rest > half or (rest == half and cents % 2):
        cents += 1
    return cents
