"""Numbers and times written for people: money, percentages, UTC dates for <time> elements.

Pure module: no Django, no clock. Money arrives as integer micro-units of a currency and leaves
rounded to that currency's minor unit (margint.money knows the exponents), with thousands
separators and the currency's symbol in front. Server-side text is deliberately
locale-neutral (en-US separators, UTC); static/js/local-time.js re-renders times in the
viewer's locale.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from margint.money import MICRO_EXPONENT, currency_exponent, normalize_currency

MISSING = "—"

# Symbols people recognise without the code; every other currency is written as its code.
CURRENCY_SYMBOLS = {
    "usd": "$",
    "eur": "€",
    "gbp": "£",
    "jpy": "¥",
    "inr": "₹",
    "krw": "₩",
    "cny": "CN¥",
    "cad": "CA$",
    "aud": "A$",
    "nzd": "NZ$",
    "hkd": "HK$",
    "sgd": "S$",
    "mxn": "MX$",
    "brl": "R$",
}

_TENTH = Decimal("0.1")


def currency_prefix(currency: str) -> str:
    """ "$" for USD; "KWD " (code and a no-break space) for currencies without a well-known symbol."""
    code = normalize_currency(currency)
    return CURRENCY_SYMBOLS.get(code, code.upper() + "\u00a0")


def money(amount_micro: int, currency: str) -> str:
    """Micro-units as "$1,234.56", "€0.50", "¥1,235" or "KWD 1.235", a tie going to the even unit.

    A non-zero amount too small to show in the minor unit reads "<$0.01" rather than a
    misleading "$0.00": one AI request often costs a fraction of a cent.
    """
    if isinstance(amount_micro, bool) or not isinstance(amount_micro, int):
        raise TypeError(f"amount_micro must be an int, got {type(amount_micro).__name__}")
    exponent = currency_exponent(currency)
    prefix = currency_prefix(currency)
    step = Decimal(1).scaleb(-exponent)
    value = Decimal(amount_micro).scaleb(-MICRO_EXPONENT).quantize(step, rounding=ROUND_HALF_EVEN)
    if value == 0 and amount_micro != 0:
        smallest = f"{prefix}{step:f}"
        return f"<{smallest}" if amount_micro > 0 else f">-{smallest}"
    sign = "-" if value < 0 else ""
    return f"{sign}{prefix}{abs(value):,.{exponent}f}"


def percent(value: Decimal | int | str | float | None) -> str:
    """ "42.5%" with one decimal, ties away from zero like margins.calculations.round_percent."""
    if value is None or value == "":
        return MISSING
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return MISSING
    rounded = number.quantize(_TENTH, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0.0%"
    return f"{rounded:,f}%"


def utc_iso(value: datetime | date) -> str:
    """The machine-readable value of a <time> element: "2026-04-05T10:00:00Z" or "2026-04-05"."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: Margint stores and renders aware UTC times")
        return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def utc_text(value: datetime | date) -> str:
    """The text shown before (or without) JavaScript: "2026-04-05 10:00 UTC" or "2026-04-05"."""
    if isinstance(value, datetime):
        return utc_iso(value)[:16].replace("T", " ") + " UTC"
    return value.isoformat()
