"""Time the auto-matching rules on synthetic customers: `manage.py bench_automatch --size 2000`.

Pure computation (no database): the name comparison is the part whose cost grows with both sides.
"""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand

from mappings.matching import CostSide, StripeSide, propose_matches

_SYLLABLES = [
    "ac",
    "me",
    "glo",
    "bex",
    "ini",
    "tech",
    "hoo",
    "li",
    "um",
    "brel",
    "la",
    "sto",
    "ne",
    "vex",
    "ora",
    "zen",
    "tri",
    "lum",
    "nova",
    "pax",
    "qui",
    "ron",
    "del",
    "ta",
]
_SUFFIXES = ["", " Inc", " LLC", " GmbH", " Ltd", ", Inc.", " Corp"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def synthetic(size: int, seed: int) -> tuple[list[StripeSide], list[CostSide]]:
    """`size` cost customers and `size` Stripe customers: a tenth linked by metadata, a tenth by email,
    a third by a similar name, the rest unrelated."""
    rng = random.Random(seed)
    costs, stripe = [], []
    for n in range(size):
        name = f"{_word(rng)} {_word(rng)}"
        tag = f"{name.lower().replace(' ', '-')}-{n}"
        costs.append(CostSide(tag, name=name, email=f"ops{n}@example.com"))
        kind = n % 30
        if kind < 3:
            stripe.append(StripeSide(f"cus_{n}", name=_word(rng), metadata={"margint_customer": tag}))
        elif kind < 6:
            stripe.append(StripeSide(f"cus_{n}", name=_word(rng), email=f"OPS{n}@example.com"))
        elif kind < 16:
            stripe.append(StripeSide(f"cus_{n}", name=name.upper() + rng.choice(_SUFFIXES)))
        else:
            stripe.append(StripeSide(f"cus_{n}", name=f"{_word(rng)} {_word(rng)}{rng.choice(_SUFFIXES)}"))
    return stripe, costs


class Command(BaseCommand):
    help = "Time mappings.matching.propose_matches on synthetic Stripe and cost customers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--size", type=int, nargs="+", default=[500, 2000, 5000])
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, size: list[int], seed: int, **opts) -> None:
        for n in size:
            stripe, costs = synthetic(n, seed)
            started, cpu_started = time.perf_counter(), time.process_time()
            outcome = propose_matches(stripe_customers=stripe, candidates=costs)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            signals: dict[str, int] = {}
            for p in outcome.proposals:
                signals[p.signal] = signals.get(p.signal, 0) + 1
            by_signal = dict(sorted(signals.items()))
            self.stdout.write(
                f"{n} × {n}: {elapsed:.2f}s wall, {cpu:.2f}s CPU, "
                f"{len(outcome.proposals)} proposals {by_signal}, "
                f"ambiguous {outcome.ambiguous}, contested {outcome.contested}"
            )
