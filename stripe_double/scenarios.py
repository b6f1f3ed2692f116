"""Realistic datasets for demos, tests and the sync benchmark.

Deterministic: the same `seed` and `as_of` give the same objects and ids. Nothing reads the
clock; `as_of` is the caller's "today" and no object is dated after it.

The tag each customer's AI cost events carry in Margint is in `dataset.external_tags`
(customer id -> tag), which is not served over HTTP. Customers reveal it to Stripe-side logic in
one of three ways, so mapping code meets each: `metadata["margint_customer"]` holds the tag;
the tag is the Stripe customer id itself; or the tag is the slug of the customer's name (and its
email domain) with nothing in metadata. A few customers have no tag (revenue without costs).
"""

from __future__ import annotations

import os
import random
from datetime import date
from typing import Any

from .customer_history import DAY, TAG_KEY, Catalog, CustomerHistory, Profile
from .dataset import StripeDataset
from .documents import Line
from .periods import advance, from_epoch, to_epoch

_PREFIXES = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell",
    "Cyberdyne", "Soylent", "Aperture", "Pied Piper", "Wonka", "Oscorp", "Nakatomi", "Dunder",
    "Gekko", "Monarch", "Sirius", "Prestige", "Bluth", "Krusty", "Sterling", "Massive", "Oceanic",
    "Zorg", "Virtucon", "Nimbus", "Halcyon",
)  # fmt: skip
_SUFFIXES = ("Labs", "AI", "Robotics", "Analytics", "Health", "Logistics", "Media", "Systems",
             "Bio", "Finance", "Legal", "Studio")  # fmt: skip
_TOP_LEVEL_DOMAINS = (".io", ".com", ".ai", ".co")
_MAILBOXES = ("billing@", "finance@", "ap@", "ops@")
# Customers at these positions get the fates every demo must show, whatever the seed.
_FIXED_FATES = (
    "deleted", "refund", "trial", "trialing", "upgrade", "eur", "eur", "eur", "past_due", "void", "manual",
)  # fmt: skip
# Fates that need several monthly cycles (or a given currency) pin the plan.
_FATE_PLANS = {
    "deleted": "starter",
    "refund": "pro",
    "trial": "pro",
    "trialing": "pro",
    "upgrade": "starter",
    "eur": "pro_eur",
    "void": "pro",
    "manual": "starter",
}


def month_start(as_of: date, months_back: int) -> int:
    index = as_of.year * 12 + as_of.month - 1 - months_back
    return to_epoch(date(index // 12, index % 12 + 1, 1))


def demo_dataset(
    *,
    as_of: date,
    seed: int = 7,
    customers: int = 55,
    months: int = 5,
    fixtures_path: str | os.PathLike[str] | None = None,
) -> StripeDataset:
    """About `customers` customers billed over the `months` calendar months before `as_of`:
    monthly, annual and metered prices, trials (a zero-amount invoice), an upgrade with
    prorations, 20% discounts, US sales tax and EU VAT, EUR invoices, a refund credit note, a
    void invoice, a past-due subscription, cancellations and a deleted customer."""
    if customers < len(_FIXED_FATES):
        raise ValueError(f"the demo needs at least {len(_FIXED_FATES)} customers")
    rng = random.Random(seed)
    dataset = StripeDataset(fixtures_path=fixtures_path, id_namespace=f"demo-{seed}-{as_of}")
    history_start, end = month_start(as_of, months), to_epoch(as_of)
    catalog = _catalog(dataset, history_start - 30 * DAY)
    for index, name in enumerate(_company_names(rng, customers)):
        profile = _profile(rng, index, name, history_start, end)
        CustomerHistory(dataset, rng, catalog, profile, end).run()
    return dataset


def _catalog(dataset: StripeDataset, created: int) -> Catalog:
    def price(amount: int, nickname: str, **options: Any) -> dict[str, Any]:
        return dataset.add_price(unit_amount=amount, created=created, nickname=nickname, **options)

    return Catalog(
        starter=price(4900, "Starter monthly"),
        pro=price(19900, "Pro monthly"),
        team=price(199000, "Team annual", interval="year"),
        pro_eur=price(17900, "Pro monthly (EUR)", currency="eur"),
        usage=price(2, "AI credits (per 1k tokens)", usage_type="metered"),
        onboarding=price(150000, "Onboarding package", interval=None),
        sales_tax=dataset.add_tax_rate(
            percentage="8.875", created=created, display_name="Sales Tax", country="US",
            state="NY", tax_type="sales_tax",
        ),
        vat=dataset.add_tax_rate(percentage=19, created=created, display_name="VAT", country="DE"),
    )  # fmt: skip


def _company_names(rng: random.Random, count: int) -> list[str]:
    combos = [f"{prefix} {suffix}" for prefix in _PREFIXES for suffix in _SUFFIXES]
    return rng.sample(combos, count)


def _profile(rng: random.Random, index: int, name: str, history_start: int, end: int) -> Profile:
    fate = _FIXED_FATES[index] if index < len(_FIXED_FATES) else _random_fate(rng)
    slug = name.lower().replace(" ", "-")
    domain = slug.replace("-", "") + rng.choice(_TOP_LEVEL_DOMAINS)
    if fate == "trialing":  # a trial that started days ago and still runs at `as_of`
        fate, signup = "trial", rng.randint(end - 10 * DAY, end - DAY)
    else:
        early = fate in ("deleted", "refund", "upgrade", "void") or rng.random() < 0.6
        signup = rng.randint(history_start, history_start + 27 * DAY if early else end - 10 * DAY)
    plan = _FATE_PLANS.get(fate) or rng.choices(("starter", "pro", "team"), weights=(50, 38, 12))[0]
    plain = fate in ("upgrade", "manual")
    return Profile(
        name=name,
        slug=slug,
        email=rng.choice(_MAILBOXES) + domain,
        fate=fate,
        plan=plan,
        seats=rng.randint(1, 3) if plan in ("pro", "team") else 1,
        signup=signup,
        # The usage price is in USD and annual plans bill no usage.
        metered=plan in ("starter", "pro") and not plain and rng.random() < 0.35,
        discount=not plain and rng.random() < 0.15,
        taxed=fate == "eur" or (not plain and rng.random() < 0.2),
        tag_style=rng.choices(("metadata", "stripe_id", "name", "none"), weights=(40, 20, 25, 15))[0],
    )


def _random_fate(rng: random.Random) -> str:
    return rng.choices(("active", "canceled", "past_due", "trial"), weights=(80, 10, 4, 6))[0]


def bulk_dataset(
    *,
    as_of: date,
    customers: int = 1000,
    invoices: int = 10000,
    lines_per_invoice: int = 3,
    months: int = 12,
    seed: int = 1,
    fixtures_path: str | os.PathLike[str] | None = None,
) -> StripeDataset:
    """A large, plain account for the sync benchmark: `invoices` invoices spread evenly over
    `months` months and round-robin over `customers` customers, each with one plan line and
    `lines_per_invoice - 1` usage lines. About 3% are open and 1% void."""
    rng = random.Random(seed)
    dataset = StripeDataset(fixtures_path=fixtures_path, id_namespace=f"bulk-{seed}-{as_of}")
    start, end = month_start(as_of, months), to_epoch(as_of)
    plan = dataset.add_price(unit_amount=9900, created=start, nickname="Scale monthly")
    usage = dataset.add_price(unit_amount=1, created=start, nickname="Tokens", usage_type="metered")
    subscriptions = [_bulk_customer(dataset, number, start, plan, usage) for number in range(customers)]
    for number in range(invoices):
        sub = subscriptions[number % customers]
        created = start + (end - start) * number // invoices
        period_end = advance(created, "month")
        lines = [Line(amount=9900, period_start=created, period_end=period_end, price=plan["id"])]
        for _ in range(lines_per_invoice - 1):
            units = rng.randint(1_000, 500_000)
            lines.append(Line(amount=units, quantity=units, period_start=created,
                              period_end=period_end, price=usage["id"]))  # fmt: skip
        status = rng.choices(("paid", "open", "void"), weights=(96, 3, 1))[0]
        dataset.add_invoice(customer=sub["customer"], subscription=sub["id"], created=created,
                            status=status, lines=lines)  # fmt: skip
    return dataset


def _bulk_customer(
    dataset: StripeDataset, number: int, start: int, plan: dict[str, Any], usage: dict[str, Any]
) -> dict[str, Any]:
    tag = f"tenant-{number:05d}"
    customer = dataset.add_customer(
        created=start + number,
        name=f"Tenant {number:05d}",
        email=f"billing@tenant{number:05d}.test",
        metadata={TAG_KEY: tag} if number % 2 == 0 else {},
        external_tag=tag,
    )
    return dataset.add_subscription(
        customer=customer["id"], items=[(plan["id"], 1), (usage["id"], 1)], created=start + number
    )


def describe(dataset: StripeDataset) -> str:
    """One line of counts, for the CLI."""
    counts = ", ".join(f"{dataset.count(name)} {name}" for name in ("customers", "subscriptions",
                       "invoices", "credit_notes", "events"))  # fmt: skip
    newest = max((invoice["created"] for invoice in dataset.objects["invoices"].values()), default=None)
    return counts + (f"; newest invoice {from_epoch(newest):%Y-%m-%d}" if newest else "")
