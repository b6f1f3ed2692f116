"""How mirror rows are written: a bulk upsert on their (org, Stripe id) key, or an append of
the ones read for the first time."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from typing import Any

from django.utils import timezone

from billing.bulk import insert_rows

# Rows per INSERT statement of a bulk write.
BATCH_SIZE = 2000

_KEYS = {"id", "org", "stripe_id"}


def mirror_upsert(model, rows: list) -> None:
    """Insert or update mirrors on their (org, Stripe id) key: every other column takes the new value."""
    if not rows:
        return
    model.objects.bulk_create(
        rows,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["org", "stripe_id"],
        update_fields=[f.name for f in model._meta.concrete_fields if f.name not in _KEYS],
    )


def mirrors_write(model, rows: list[dict[str, Any]], *, new: Collection[str]) -> None:
    """Write mirrors given as column values by attribute name. Those whose Stripe id is in `new`
    (no mirror yet, as the caller read under the org's revenue lock) are appended in one COPY on
    PostgreSQL, with no conflict to look for and no model instance per row; the others upserted."""
    mirror_upsert(model, [model(**row) for row in rows if row["stripe_id"] not in new])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    # What the model would fill in on save: auto_now stamps and field defaults.
    defaults = {field.attname: now if _stamped(field) else field.get_default() for field in fields}
    appended = [
        tuple(row.get(field.attname, defaults[field.attname]) for field in fields)
        for row in rows
        if row["stripe_id"] in new
    ]
    insert_rows(model, [field.name for field in fields], appended)


def _stamped(field: Any) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


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
