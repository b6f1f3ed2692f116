"""Demo mappings, made the way a person would: auto-match, confirm some, map a few by hand, and
leave suggestions and unmatched customers in the queue on purpose so the review screens have work.

Runs after the cost side and the Stripe mirrors are loaded; with no Stripe customers every step
finds nothing to do.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time

from mappings import selectors, services
from mappings.matching import normalize_name
from mappings.models import ChangeSource, CustomerMapping, MappingStatus
from margins.costs import selectors as cost_selectors
from margint.demo import DemoContext

MANUAL_MAPPINGS = 2


def _first_word(text: str) -> str:
    words = normalize_name(text).split()
    return words[0] if words else ""


def _confirm_every_other_pending(ctx: DemoContext, queue: selectors.UnmatchedQueue) -> int:
    pending = [p for p in queue.pending_auto_matches if p.status == MappingStatus.PENDING]
    confirmed = 0
    for proposal in pending[::2]:
        mapping = selectors.mapping_for_org(org=ctx.org, mapping_id=proposal.id)
        if mapping is not None:
            services.mapping_confirm(mapping=mapping, source=ChangeSource.SYSTEM)
            confirmed += 1
    return confirmed


def _map_by_hand(ctx: DemoContext, queue: selectors.UnmatchedQueue) -> int:
    """What a person spots that the matcher leaves alone: "Globex Europe" is the tag "globex",
    even when another Stripe customer already maps to it (one company, two Stripe accounts)."""
    suggested = {p.stripe_customer_id for p in queue.pending_auto_matches}
    tags_by_word: dict[str, list[str]] = {}
    for tag, info in sorted(cost_selectors.cost_customers(org=ctx.org).items()):
        tags_by_word.setdefault(_first_word(info.name or tag), []).append(tag)
    made = 0
    for customer in queue.unmatched_stripe_customers:
        if made == MANUAL_MAPPINGS:
            break
        word = _first_word(customer.customer_name or "")
        tags = tags_by_word.get(word, []) if word else []
        if customer.stripe_customer_id in suggested or len(tags) != 1:
            continue
        services.mapping_upsert(
            org=ctx.org,
            stripe_customer_id=customer.stripe_customer_id,
            tag_value=tags[0],
            source=ChangeSource.SYSTEM,
        )
        made += 1
    return made


def load(ctx: DemoContext) -> None:
    as_of = datetime.combine(ctx.today, time(23, 59), tzinfo=UTC)
    # The revenue sync's own follow-up has usually auto-matched already; this finds what is left.
    services.automatch_run(org=ctx.org, as_of=as_of)
    confirmed = _confirm_every_other_pending(ctx, selectors.unmatched_queue(org=ctx.org, as_of=as_of))
    manual = _map_by_hand(ctx, selectors.unmatched_queue(org=ctx.org, as_of=as_of))
    queue = selectors.unmatched_queue(org=ctx.org, as_of=as_of)
    ctx.notes.append(_summary(ctx, confirmed, manual, queue))


def _summary(ctx: DemoContext, confirmed: int, manual: int, queue: selectors.UnmatchedQueue) -> str:
    """What the Mappings page shows, counted from the mappings as they are at the end of the load."""
    statuses = Counter(CustomerMapping.objects.filter(org=ctx.org).values_list("status", flat=True))
    return (
        f"Mappings (menu: Mappings): {statuses[MappingStatus.CONFIRMED]} confirmed ({confirmed} "
        f"auto-matches confirmed by the demo, {manual} mapped by hand); "
        f"{statuses[MappingStatus.PENDING]} auto-matches counting in margins while awaiting review; "
        f"{statuses[MappingStatus.SUGGESTED]} suggestions not counting until confirmed; "
        f"unmatched Stripe customers: {len(queue.unmatched_stripe_customers)}; "
        f"unmapped cost tags: {len(queue.unmapped_tag_values)}."
    )
