"""Currency exponents and the one conversion from Stripe minor units to Margint micro-units.

Stripe amounts are integers in the currency's minor unit (cents for USD, yen for JPY, fils for
KWD). Inside Margint every amount is an integer number of micro-units of the currency
(1 USD = 1_000_000). The factor between the two depends only on the currency's ISO 4217
exponent, so the conversion is an exact integer multiplication: no float, no rounding.

Pure module: no Django, no clock.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

MICRO_EXPONENT = 6

# Stripe's zero-decimal currencies: the amount is already in whole units (1000 JPY is ¥1000).
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
        "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    }
)  # fmt: skip

# Stripe's three-decimal currencies: 1 KWD is 1000 fils.
THREE_DECIMAL_CURRENCIES = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})

DEFAULT_EXPONENT = 2


def normalize_currency(currency: str) -> str:
    """Return the lowercase ISO 4217 code Stripe uses; reject anything that is not three letters."""
    code = currency.strip().lower()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"not an ISO 4217 currency code: {currency!r}")
    return code


def currency_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (JPY 0, USD 2, KWD 3).

    Case-insensitive. Every currency not listed as zero- or three-decimal has exponent 2,
    which is what Stripe uses for all its other currencies.
    """
    code = normalize_currency(currency)
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return DEFAULT_EXPONENT


def micro_per_minor(currency: str) -> int:
    """How many micro-units one minor unit is worth: 10 ** (6 - exponent)."""
    return 10 ** (MICRO_EXPONENT - currency_exponent(currency))


def minor_to_micro(amount_minor: int, currency: str) -> int:
    """Convert an integer Stripe minor-unit amount to integer micro-units, exactly.

    Keeps the sign (credits and refunds are negative). A float is refused rather than
    multiplied, because a float on a money path loses cents silently.
    """
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise TypeError(f"amount_minor must be an int, got {type(amount_minor).__name__}")
    return amount_minor * micro_per_minor(currency)


def decimal_minor_to_micro(amount_minor: Decimal, currency: str) -> int:
    """Convert a Decimal minor-unit amount to integer micro-units with one half-even rounding.

    For computed amounts (a yearly price divided by 12) that are not whole minor units; this
    is the single place where such an amount is rounded.
    """
    scaled = amount_minor * micro_per_minor(currency)
    return int(scaled.to_integral_value(rounding=ROUND_HALF_EVEN))
