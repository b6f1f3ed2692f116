"""What the revenue side announces to the layers above it. Billing imports none of them.

The upper apps connect their receivers in their AppConfig.ready(): mappings (auto-matching, and
clearing the mappings on disconnect) and publicapi (margin alerts). Receivers run in the order
the apps are installed, so auto-matching runs before the margin alerts read the new mappings.
Receivers of `revenue_synced` and `revenue_changed` return a dict of counts, which the sync adds
to its run's stats (e.g. {"autoMatchesCreated": 2}); an exception in one stops the others and
the caller records it: the revenue is committed either way.
"""

from __future__ import annotations

from django.dispatch import Signal

# A revenue sync committed new revenue; kwargs: org, as_of.
revenue_synced = Signal()

# A Stripe webhook changed the revenue; kwargs: org, as_of.
revenue_changed = Signal()

# Inside stripe_disconnect's transaction, before the connection row goes; kwargs: org.
# Receivers delete what they keep about the org's Stripe customers.
stripe_disconnecting = Signal()

# Counting what a disconnect would delete; kwargs: org. Receivers return {"<what>": count}.
disconnect_impact_counting = Signal()


def counts_of(responses: list[tuple[object, object]]) -> dict[str, int]:
    """The receivers' counts summed by name (receivers that return nothing add nothing)."""
    counts: dict[str, int] = {}
    for _receiver, response in responses:
        for name, count in (response or {}).items():
            counts[name] = counts.get(name, 0) + int(count)
    return counts
