"""The one way a mirror row is written: a bulk upsert on its (org, Stripe id) key."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

# Rows per INSERT statement of a bulk write.
BATCH_SIZE = 2000

_KEYS = {"id", "org", "stripe_id"}


def mirror_upsert(model, rows: list) -> None:
    """Insert or update mirrors on their (org, Stripe id) key: every other column takes the new value."""
    model.objects.bulk_create(
        rows,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["org", "stripe_id"],
        update_fields=[f.name for f in model._meta.concrete_fields if f.name not in _KEYS],
    )


def fingerprint_of(stripe_object: Any, *context: Any) -> str:
    """Digest of everything read from Stripe (a dataclass repr spells out every field, nested
    ones included, in a fixed order), plus what else decides the rows written from it."""
    return hashlib.sha256(repr((stripe_object, *context)).encode()).hexdigest()


def unchanged_left_out(model, org, objects: Sequence[Any]) -> list[Any]:
    """The objects whose fingerprint differs from their mirror's (or that have none): a sync of
    unchanged data writes nothing."""
    known = dict(
        model.objects.filter(org=org, stripe_id__in=[o.stripe_id for o in objects]).values_list(
            "stripe_id", "fingerprint"
        )
    )
    return [o for o in objects if known.get(o.stripe_id) != fingerprint_of(o)]
