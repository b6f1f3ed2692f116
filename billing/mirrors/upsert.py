"""The one way a mirror row is written: a bulk upsert on its (org, Stripe id) key."""

from __future__ import annotations

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
