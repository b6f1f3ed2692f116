"""Which cost tag value each Stripe customer most likely is: the auto-matching rules.

Pure: no ORM, no clock. The service gathers both sides into the input dataclasses and writes
the proposals. Signals, strongest first:

  metadata   the Stripe customer's metadata `margint_customer` (or the tag key itself, `customer`)
             equals a tag value                                                    confidence 1.000
  stripe_id  the Stripe customer id is itself a tag value (costs tagged with cus_...)         0.900
  email      the Stripe customer's email equals the cost customer's email (case-insensitive)  0.800
  name       normalized names alike: difflib ratio r ≥ 0.85 between the Stripe name and the
             cost customer's name or its tag value read as words; confidence 0.7 × r, so at most
             0.700, rounded half-up to three places

For each Stripe customer the strongest signal that finds anything decides; if that signal finds
two tag values (two metadata keys disagree, two cost customers share the email, two names tie),
the customer is left for a person. One tag value is never proposed for two Stripe customers: the
strictly more confident proposal wins, and on a tie neither is made.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from difflib import SequenceMatcher
from functools import cache

METADATA_KEY = "margint_customer"
CONFIDENCE_METADATA = Decimal("1.000")
CONFIDENCE_STRIPE_ID = Decimal("0.900")
CONFIDENCE_EMAIL = Decimal("0.800")
NAME_WEIGHT = Decimal("0.7")
NAME_MIN_RATIO = Decimal("0.85")
# At or above this an automatic match counts in margins at once (status pending, awaiting review).
PENDING_THRESHOLD = Decimal("0.9")
_THOUSANDTH = Decimal("0.001")

# Legal-form words dropped from the end of a name: "Acme, Inc." and "ACME GmbH" are both "acme".
LEGAL_SUFFIXES = frozenset(
    (
        "inc",
        "incorporated",
        "llc",
        "ltd",
        "limited",
        "gmbh",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "llp",
        "lp",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "ag",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
        "pty",
        "pte",
        "kk",
        "kg",
        "ug",
        "se",
    )
)
# Ratio ≥ 0.85 needs the shorter name to be at least 0.85 / 1.15 of the longer one.
_MIN_LENGTH_FACTOR = NAME_MIN_RATIO / (2 - NAME_MIN_RATIO)
_PREFILTER = float(NAME_MIN_RATIO) - 1e-9


@dataclass(frozen=True)
class StripeSide:
    stripe_id: str
    name: str = ""
    email: str = ""
    metadata: Mapping[str, object] = field(default_factory=dict)
    deleted: bool = False


@dataclass(frozen=True)
class CostSide:
    tag_value: str
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class Proposal:
    stripe_customer_id: str
    tag_value: str
    confidence: Decimal
    signal: str


@dataclass(frozen=True)
class MatchOutcome:
    proposals: tuple[Proposal, ...]
    ambiguous: int  # Stripe customers whose strongest signal pointed at two tag values
    contested: int  # Stripe customers that lost (or tied for) a tag value another one also matched
    rejected: int  # matches not proposed because a person rejected that pair before
    taken: int  # matches not proposed because an existing mapping already uses the tag value


def normalize_name(text: str) -> str:
    """Casefolded words without accents, punctuation or trailing legal-form words."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    # Dots and apostrophes join ("S.A." is "sa", "O'Brien" is "obrien"); anything else separates.
    tokens = re.findall(r"[^\W_]+", plain.replace(".", "").replace("'", ""))
    while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
        tokens.pop()
    return " ".join(tokens)


def name_ratio(a: str, b: str) -> Decimal:
    """difflib's ratio 2·M/T, computed exactly as a Decimal."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return Decimal(2 * matched) / Decimal(len(a) + len(b))


def name_confidence(ratio: Decimal) -> Decimal:
    return (NAME_WEIGHT * ratio).quantize(_THOUSANDTH, rounding=ROUND_HALF_UP)


def trigrams(text: str) -> Counter[str]:
    return Counter(text[i : i + 3] for i in range(len(text) - 2))


@cache
def trigrams_needed(total_length: int) -> int:
    """How many trigrams (counted with multiplicity) two strings of this combined length must share
    for difflib's ratio to reach the threshold; 0 when the bound says nothing.

    difflib's matching blocks are identical substrings, disjoint and in order in both strings, and
    two blocks adjacent in both are merged; so k blocks need k − 1 unmatched characters between
    them: k ≤ T − 2M + 1. A block of size s holds s − 2 trigrams found in both strings, so they
    share at least M − 2k ≥ 5M − 2T − 2, where the ratio 2M/T ≥ 0.85 needs M ≥ ⌈0.425·T⌉.
    The filter is exact: it never drops a pair whose ratio reaches the threshold.
    """
    least_matched = int((NAME_MIN_RATIO * total_length / 2).to_integral_value(rounding=ROUND_CEILING))
    return max(0, 5 * least_matched - 2 * total_length - 2)


class NameIndex:
    """Normalized cost-side names with a trigram index: a lookup runs difflib only on names of a
    plausible length that share enough trigrams with it (see trigrams_needed)."""

    def __init__(self, candidates: Iterable[CostSide]) -> None:
        pairs = set()
        for c in candidates:
            for text in (c.name, c.tag_value):
                normalized = normalize_name(text)
                if normalized:
                    pairs.add((len(normalized), normalized, c.tag_value))
        self._rows = sorted(pairs)
        self._lengths = [row[0] for row in self._rows]
        self._exact: dict[str, set[str]] = defaultdict(set)
        for _, normalized, tag in self._rows:
            self._exact[normalized].add(tag)
        # gram → rows holding it once or more (each row listed once), and how often where more.
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._repeats: dict[str, dict[int, int]] = defaultdict(dict)
        for index, (_, normalized, _) in enumerate(self._rows):
            for gram, count in trigrams(normalized).items():
                self._postings[gram].append(index)
                if count > 1:
                    self._repeats[gram][index] = count

    def _shared(self, name: str) -> Counter[int]:
        """Row → trigrams it shares with `name`, counted with multiplicity."""
        shared: Counter[int] = Counter()
        for gram, count in trigrams(name).items():
            shared.update(self._postings.get(gram, ()))  # one each, at C speed
            if count > 1:
                for index, other_count in self._repeats.get(gram, {}).items():
                    shared[index] += min(count, other_count) - 1
        return shared

    def _plausible(self, name: str) -> set[int]:
        low = int(len(name) * _MIN_LENGTH_FACTOR)
        high = int(len(name) / _MIN_LENGTH_FACTOR) + 1
        needed = {length: trigrams_needed(len(name) + length) for length in range(low, high + 1)}
        lengths = self._lengths
        chosen = {i for i, n in self._shared(name).items() if n >= needed.get(lengths[i], n + 1)}
        for length, need in needed.items():  # where the bound says nothing: every row of that length
            if need == 0:
                chosen.update(range(bisect_left(lengths, length), bisect_right(lengths, length)))
        return chosen

    def exact(self, name: str) -> set[str]:
        """Tag values whose normalized name or slug is exactly this one."""
        return set(self._exact.get(name, ())) if name else set()

    def alike(self, name: str) -> dict[str, Decimal]:
        """Every tag value whose name or slug reaches the threshold, with its best ratio."""
        found: dict[str, Decimal] = {}
        if not name:
            return found
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(name)  # difflib caches what it learns about seq2
        for index in self._plausible(name):
            _, other, tag = self._rows[index]
            matcher.set_seq1(other)
            # A cheap upper bound first; a float, so leave a hair of room at the threshold.
            if matcher.quick_ratio() < _PREFILTER:
                continue
            ratio = name_ratio(other, name)
            if ratio >= NAME_MIN_RATIO and ratio > found.get(tag, Decimal(0)):
                found[tag] = ratio
        return found


@dataclass
class _Context:
    tags: set[str]
    by_email: dict[str, set[str]]
    names: NameIndex
    taken: frozenset[str]
    rejected: frozenset[tuple[str, str]]
    tag_key: str
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def allowed(self, stripe_id: str, found: Iterable[str]) -> set[str]:
        """Drop tag values already used by a mapping and pairs a person rejected; count both."""
        kept = set()
        for tag in found:
            if tag in self.taken:
                self.counts["taken"] += 1
            elif (stripe_id, tag) in self.rejected:
                self.counts["rejected"] += 1
            else:
                kept.add(tag)
        return kept


def _metadata_values(customer: StripeSide, tag_key: str) -> set[str]:
    values = (customer.metadata.get(METADATA_KEY), customer.metadata.get(tag_key))
    return {v.strip() for v in values if isinstance(v, str) and v.strip()}


def _best_for(customer: StripeSide, ctx: _Context) -> Proposal | None:
    signals = (
        ("metadata", CONFIDENCE_METADATA, lambda: _metadata_values(customer, ctx.tag_key) & ctx.tags),
        ("stripe_id", CONFIDENCE_STRIPE_ID, lambda: {customer.stripe_id} & ctx.tags),
        ("email", CONFIDENCE_EMAIL, lambda: ctx.by_email.get(customer.email.strip().casefold(), set())),
    )
    for signal, confidence, find in signals:
        found = ctx.allowed(customer.stripe_id, find())
        if len(found) == 1:
            return Proposal(customer.stripe_id, found.pop(), confidence, signal)
        if found:
            ctx.counts["ambiguous"] += 1
            return None
    name = normalize_name(customer.name)
    # Identical names are the best any comparison can give: when one is allowed, skip the rest.
    exact = ctx.names.exact(name)
    allowed = ctx.allowed(customer.stripe_id, exact)
    alike = dict.fromkeys(allowed, Decimal(1))
    if not allowed:
        alike = {tag: ratio for tag, ratio in ctx.names.alike(name).items() if tag not in exact}
        allowed = ctx.allowed(customer.stripe_id, alike)
    if not allowed:
        return None
    best = max(alike[tag] for tag in allowed)
    leaders = [tag for tag in allowed if alike[tag] == best]
    if len(leaders) > 1:
        ctx.counts["ambiguous"] += 1
        return None
    return Proposal(customer.stripe_id, leaders[0], name_confidence(best), "name")


def _one_per_tag(proposals: list[Proposal]) -> tuple[list[Proposal], int]:
    """Keep, for each tag value, the single most confident proposal; a tie keeps none."""
    by_tag: dict[str, list[Proposal]] = defaultdict(list)
    for p in proposals:
        by_tag[p.tag_value].append(p)
    kept, dropped = [], 0
    for group in by_tag.values():
        top = max(p.confidence for p in group)
        leaders = [p for p in group if p.confidence == top]
        if len(leaders) == 1:
            kept.append(leaders[0])
            dropped += len(group) - 1
        else:
            dropped += len(group)
    return sorted(kept, key=lambda p: p.stripe_customer_id), dropped


def propose_matches(
    *,
    stripe_customers: Sequence[StripeSide],
    candidates: Sequence[CostSide],
    mapped_stripe_ids: frozenset[str] = frozenset(),
    taken_tag_values: frozenset[str] = frozenset(),
    rejected: frozenset[tuple[str, str]] = frozenset(),
    tag_key: str = "customer",
) -> MatchOutcome:
    """Proposals for Stripe customers that have no mapping yet, at most one per tag value.

    Deleted Stripe customers and Stripe customers already mapped are never matched.
    """
    by_email: dict[str, set[str]] = defaultdict(set)
    for c in candidates:
        if c.email.strip():
            by_email[c.email.strip().casefold()].add(c.tag_value)
    ctx = _Context(
        tags={c.tag_value for c in candidates},
        by_email=by_email,
        names=NameIndex(candidates),
        taken=taken_tag_values,
        rejected=rejected,
        tag_key=tag_key,
    )
    found = []
    for customer in stripe_customers:
        if customer.deleted or customer.stripe_id in mapped_stripe_ids:
            continue
        proposal = _best_for(customer, ctx)
        if proposal is not None:
            found.append(proposal)
    proposals, contested = _one_per_tag(found)
    return MatchOutcome(
        proposals=tuple(proposals),
        ambiguous=ctx.counts["ambiguous"],
        contested=contested,
        rejected=ctx.counts["rejected"],
        taken=ctx.counts["taken"],
    )
