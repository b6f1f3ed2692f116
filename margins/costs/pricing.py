"""Cost of an event from its tokens, with the price data bundled in `genai-prices` (never the network).

`genai_prices.calc_price` takes about a third of a millisecond per call, too slow for thousands of
events a second. Its prices are linear in the token counts within one price band (a tier of
long-context pricing), so a PriceBook looks each (provider, model) up once per request, the rate
of each kind of token is measured with genai-prices once per price and band, and every event is
priced with integer arithmetic. A test compares this with `calc_price` for every bundled model.

Tokens follow genai-prices (and OpenAI's usage): `cached_input_tokens` are part of `input_tokens`.
Costs are rounded to the nearest microdollar per event, halves up.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import genai_prices
from genai_prices.data_snapshot import get_snapshot
from genai_prices.types import ModelInfo, ModelPrice, TieredPrices

MTOK = 1_000_000


@dataclass(frozen=True)
class Rates:
    """A band's prices as integers: micro-dollars per token times `scale`, and per request."""

    scale: int
    base: int
    uncached_input: int
    cached_input: int
    output: int

    def cost_micro(self, input_tokens: int, output_tokens: int, cached_input_tokens: int) -> int:
        scaled = (
            self.base
            + (input_tokens - cached_input_tokens) * self.uncached_input
            + cached_input_tokens * self.cached_input
            + output_tokens * self.output
        )
        return (scaled * 2 + self.scale) // (self.scale * 2)  # round half up; never negative


def _usd(
    price: ModelPrice, input_tokens: int = 0, output_tokens: int = 0, cache_read_tokens: int = 0
) -> Decimal:
    usage = genai_prices.Usage(
        input_tokens=input_tokens, output_tokens=output_tokens, cache_read_tokens=cache_read_tokens
    )
    return price.calc_price(usage)["total_price"]


def rates_of(price: ModelPrice) -> Rates:
    """Integer rates of a price without tiers, measured with genai-prices itself.

    A million tokens of each kind gives its price per million tokens, which is micro-dollars per token.
    """
    base = _usd(price) * MTOK
    uncached = _usd(price, input_tokens=MTOK) - base / MTOK
    cached = _usd(price, input_tokens=MTOK, cache_read_tokens=MTOK) - base / MTOK
    output = _usd(price, output_tokens=MTOK) - base / MTOK
    decimals = max(0, *(-d.normalize().as_tuple().exponent for d in (base, uncached, cached, output)))
    scale = 10**decimals
    return Rates(scale, *(int(d * scale) for d in (base, uncached, cached, output)))


def _flattened(price: ModelPrice, total_input_tokens: int) -> ModelPrice:
    """The price with every tier resolved for this input size (genai-prices' "cliff" rule)."""
    flat = {}
    for key, value in vars(price).items():
        if isinstance(value, TieredPrices):
            applicable = value.base
            for tier in reversed(value.tiers):
                if total_input_tokens > tier.start:
                    applicable = tier.price
                    break
            value = applicable
        flat[key] = value
    return ModelPrice(**flat)


def _band_starts(price: ModelPrice) -> tuple[int, ...]:
    tiered = [value for value in vars(price).values() if isinstance(value, TieredPrices)]
    starts = {tier.start for value in tiered for tier in value.tiers}
    return tuple(sorted(starts))


# A price's rates never change while the process runs (the bundled data is immutable), so they are
# measured once per process: keyed by the price object's id, kept with the object so the id stays valid.
_bands: dict[int, tuple[ModelPrice, tuple[int, ...]]] = {}
_rates: dict[tuple[int, int], tuple[ModelPrice, Rates | None]] = {}


def _rates_for(price: ModelPrice, input_tokens: int) -> Rates | None:
    entry = _bands.get(id(price))
    if entry is None or entry[0] is not price:
        entry = _bands[id(price)] = (price, _band_starts(price))
    starts = entry[1]
    # Band i: input tokens in (starts[i-1], starts[i]]; a tier applies when input > its start.
    band = bisect_left(starts, input_tokens) if starts else 0
    cached = _rates.get((id(price), band))
    if cached is not None and cached[0] is price:
        return cached[1]
    resolved = _flattened(price, starts[band - 1] + 1 if band else 0) if starts else price
    try:
        rates = rates_of(resolved)
    except (ValueError, ArithmeticError):  # a price genai-prices itself cannot apply to tokens
        rates = None
    _rates[(id(price), band)] = (price, rates)
    return rates


class PriceBook:
    """Prices for one request: each (provider, model) is looked up once, however many events name it."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, str], ModelInfo | None] = {}
        self.lookups = 0

    def cost_micro(
        self,
        *,
        provider: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cached_input_tokens: int,
        at: datetime,
    ) -> int | None:
        """The cost in micro-USD, or None when genai-prices does not know this provider and model."""
        key = (provider, model)
        info = self._models[key] if key in self._models else self._lookup(key)
        if info is None:
            return None
        # Prices can change over time (ConditionalPrice): the one in force when the call happened.
        rates = _rates_for(info.get_prices(at), input_tokens)
        if rates is None:
            return None
        return rates.cost_micro(input_tokens, output_tokens, cached_input_tokens)

    def _lookup(self, key: tuple[str, str]) -> ModelInfo | None:
        self.lookups += 1
        provider, model = key
        info = None
        if model:
            try:
                # The bundled snapshot (get_snapshot never fetches; only UpdatePrices would, and
                # Margint never starts it). find_provider_model is what calc_price uses to match.
                info = get_snapshot().find_provider_model(model, None, provider or None, None)[1]
            except (LookupError, ValueError):
                info = None
        self._models[key] = info
        return info
