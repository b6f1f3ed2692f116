from __future__ import annotations

import random
import socket
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import genai_prices
import pytest
from genai_prices.data_snapshot import get_snapshot

from margins.costs import pricing
from margins.costs.pricing import PriceBook

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def cost(book, provider, model, input_tokens, output_tokens, cached=0):
    return book.cost_micro(
        provider=provider,
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_input_tokens=cached,
        at=AT,
    )


def test_known_model_is_priced_per_token_kind_with_cached_tokens_part_of_input():
    # gpt-4o: $2.50 input, $1.25 cached input, $10 output per million tokens.
    # 800 uncached × 2.5 + 200 cached × 1.25 + 500 output × 10 = 7,250 µUSD.
    assert cost(PriceBook(), "openai", "gpt-4o", 1000, 500, cached=200) == 7250


def test_fractions_of_a_microdollar_round_half_up_per_event():
    # gpt-4o-mini input is $0.15 per million: 3 tokens = 0.45 µUSD → 0, 10 tokens = 1.5 → 2.
    book = PriceBook()
    assert cost(book, "openai", "gpt-4o-mini", 3, 0) == 0
    assert cost(book, "openai", "gpt-4o-mini", 10, 0) == 2


def test_long_context_tier_prices_every_token_at_the_higher_rate():
    # claude-sonnet-4-5: $3/$15 per million up to 200k input tokens, $6/$22.50 above.
    book = PriceBook()
    assert cost(book, "anthropic", "claude-sonnet-4-5", 200_000, 1000) == 615_000
    assert cost(book, "anthropic", "claude-sonnet-4-5", 250_000, 1000) == 1_522_500


def test_provider_may_be_left_out_when_the_model_names_it():
    assert cost(PriceBook(), "", "gpt-4o", 1000, 500, cached=200) == 7250


@pytest.mark.parametrize(
    ("provider", "model"),
    [("openai", "gpt-99-ultra"), ("acme", "in-house-v2"), ("nonexistent-provider", "gpt-4o"), ("openai", "")],
)
def test_unknown_model_or_provider_has_no_price(provider, model):
    assert cost(PriceBook(), provider, model, 1000, 500) is None


def test_each_model_is_looked_up_once_per_book_however_many_events_name_it(monkeypatch):
    calls = []
    snapshot = get_snapshot()
    original = snapshot.find_provider_model

    def counting(*args, **kwargs):
        calls.append(args[:1])
        return original(*args, **kwargs)

    monkeypatch.setattr(snapshot, "find_provider_model", counting)
    book = PriceBook()
    for i in range(50):
        cost(book, "openai", "gpt-4o", 100 + i, 10)
        cost(book, "openai", "gpt-4o-mini", 100 + i, 10)
        cost(book, "acme", "unknown-model", 100 + i, 10)
    assert book.lookups == 3
    assert len(calls) == 3
    cost(PriceBook(), "openai", "gpt-4o", 100, 10)  # a new request looks up again
    assert len(calls) == 4


def test_pricing_never_opens_a_network_connection(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("pricing tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    pricing._rates.clear()
    pricing._bands.clear()
    book = PriceBook()
    assert cost(book, "openai", "gpt-4o", 1000, 500, cached=200) == 7250
    assert cost(book, "google", "gemini-2.5-flash", 1000, 1000) == 2800
    assert cost(book, "acme", "unknown", 1000, 1000) is None


def _reference(provider_id, model_id, input_tokens, output_tokens, cached):
    usage = genai_prices.Usage(
        input_tokens=input_tokens, output_tokens=output_tokens, cache_read_tokens=cached
    )
    price = genai_prices.calc_price(usage, model_id, provider_id=provider_id, genai_request_timestamp=AT)
    return int((price.total_price * 1_000_000).quantize(Decimal(1), ROUND_HALF_UP))


@pytest.mark.slow
def test_fast_path_equals_genai_prices_for_every_bundled_model_and_tier():
    rnd = random.Random(7)
    sizes = [0, 1, 999, 128_000, 199_999, 200_000, 200_001, 272_001, 1_000_001]
    compared = 0
    for provider in get_snapshot().providers:
        for model in provider.models:
            book = PriceBook()
            for input_tokens in sizes:
                cached = rnd.randint(0, input_tokens)
                output_tokens = rnd.choice([0, 1, 777, 50_000])
                try:
                    expected = _reference(provider.id, model.id, input_tokens, output_tokens, cached)
                except LookupError:
                    continue  # an id genai-prices itself does not resolve back to this model
                got = cost(book, provider.id, model.id, input_tokens, output_tokens, cached)
                assert got == expected, (provider.id, model.id, input_tokens, output_tokens, cached)
                compared += 1
    assert compared > 5000
