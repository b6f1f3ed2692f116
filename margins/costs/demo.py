"""Demo cost events: six months of AI calls for the customers of margins.costs.demo_customers.

Everything goes through the ingestion service, as an integrator's events would. The data is
deterministic (a seeded random): each customer's monthly cost lands near its target in the
latest full month, with a gentle trend before it, so that with the billing demo's revenue the
customers spread over the healthy, moderate, at-risk and critical tiers.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from margins.costs.demo_customers import DEMO_CUSTOMERS
from margins.costs.pricing import PriceBook
from margins.costs.services import events_ingest
from margins.costs.validation import MAX_EVENTS
from margint.demo import DemoContext

SEED = 3
MONTHS = 6  # the current month and the five before it: every month the billing demo bills
EVENTS_PER_DAY = {"starter": 2, "growth": 4, "business": 6, "scale": 8, "enterprise": 10, None: 3}
MODELS = [  # (provider, model, weight)
    ("openai", "gpt-4o", 3),
    ("openai", "gpt-4o-mini", 4),
    ("anthropic", "claude-sonnet-4-5", 3),
    ("anthropic", "claude-3-5-haiku", 2),
    ("google", "gemini-2.5-flash", 2),
]
FEATURES = ["chat", "search", "summarize", "agent", "embeddings"]
UNPRICED_MODEL = ("acme", "acme-finetune-v1")  # unknown to genai-prices: shows up as unpriced spend


def demo_events(today: date, now: datetime) -> list[dict]:
    """Every demo event, in the API's shape; the same list for the same `today` and `now`."""
    rnd = random.Random(SEED)
    first_day = _month_start(today, MONTHS - 1)
    book = PriceBook()
    events = []
    for customer in DEMO_CUSTOMERS:
        events += _customer_events(rnd, book, customer, first_day, now)
    return events


def load(ctx: DemoContext) -> None:
    now = _demo_now(ctx.today)
    first_day = _month_start(ctx.today, MONTHS - 1)
    events = demo_events(ctx.today, now)
    accepted = unpriced = 0
    for start in range(0, len(events), MAX_EVENTS):
        result = events_ingest(org=ctx.org, events=events[start : start + MAX_EVENTS], now=now)
        accepted += result.accepted
        unpriced += result.unpriced
    ctx.log(f"demo: {accepted} cost events for {len(DEMO_CUSTOMERS)} customers since {first_day}")
    cost_only = [c[0] for c in DEMO_CUSTOMERS if c[5] is None]
    ctx.notes.append(
        f"Cost events: {accepted} since {first_day} ({unpriced} unpriced, model {UNPRICED_MODEL[1]}); "
        f"cost tags without revenue, left unmapped: {', '.join(cost_only)}."
    )


def _demo_now(today: date) -> datetime:
    """The demo's clock: now on the real today, the end of `today` when the demo is set in the past."""
    end_of_day = datetime.combine(today, time(23, 59, 59), tzinfo=UTC)
    return min(timezone.now(), end_of_day)


def _month_start(today: date, months_back: int) -> date:
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _customer_events(
    rnd: random.Random, book: PriceBook, customer: tuple, first_day: date, now: datetime
) -> list:
    external_id, name, email, _revenue, monthly_cost, plan = customer
    trend = rnd.uniform(-0.06, 0.12)  # monthly growth of cost; the latest full month is on target
    features = rnd.sample(FEATURES, k=rnd.randint(1, 3))
    per_day = EVENTS_PER_DAY[plan]
    latest_full = _month_start(now.date(), 1)
    events = []
    day = first_day
    while day <= now.date():
        months_from_target = (day.year * 12 + day.month) - (latest_full.year * 12 + latest_full.month)
        weekday = 0.75 if day.weekday() >= 5 else 1.1
        daily_cost = monthly_cost / 30 * (1 + trend) ** months_from_target * weekday * rnd.uniform(0.8, 1.2)
        count = max(1, round(per_day * rnd.uniform(0.6, 1.4)))
        for i in range(count):
            at = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(seconds=rnd.randrange(86400))
            if at > now:
                continue
            event = _event(rnd, book, external_id, rnd.choice(features), int(daily_cost / count), at)
            event["idempotencyKey"] = f"demo:{external_id}:{day.isoformat()}:{i}"
            if not events and name:
                event.update(customerName=name, customerEmail=email)
            events.append(event)
        day += timedelta(days=1)
    return events


def _event(rnd: random.Random, book: PriceBook, customer: str, feature: str, cost: int, at: datetime) -> dict:
    provider, model, _ = rnd.choices(MODELS, weights=[w for *_, w in MODELS])[0]
    event = {"customer": customer, "feature": feature, "provider": provider, "model": model}
    event.update(occurredAt=at.isoformat(), tags={"env": "prod", "region": rnd.choice(["eu", "us"])})
    roll = rnd.random()
    if roll < 0.005:
        provider, model = UNPRICED_MODEL
        event.update(provider=provider, model=model, inputTokens=rnd.randint(500, 4000), outputTokens=300)
    elif roll < 0.30:
        # Tokens only: Margint prices them; sized so that the price lands near the intended cost.
        unit = book.cost_micro(
            provider=provider,
            model=model,
            input_tokens=4000,
            output_tokens=1000,
            cached_input_tokens=0,
            at=at,
        )
        scale = max(cost, 1) / max(unit or 1, 1)
        event.update(inputTokens=max(1, int(4000 * scale)), outputTokens=max(1, int(1000 * scale)))
    else:
        input_tokens = rnd.randint(300, 6000)
        event.update(inputTokens=input_tokens, outputTokens=rnd.randint(50, 1200), costMicrodollars=cost)
        if rnd.random() < 0.3:
            event["cachedInputTokens"] = rnd.randint(0, input_tokens)
    return event
