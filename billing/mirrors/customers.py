"""Customer mirrors: full objects from a listing or an event, stubs for deleted ones, and rows
created on demand for a customer a document names before the listing reached it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from django.utils import timezone

from billing.mirrors.upsert import BATCH_SIZE, fingerprint_of, unchanged_left_out
from billing.models import StripeCustomer
from billing.stripe_objects import CustomerData
from margint.models import Organization


def customers_upsert(
    *, org: Organization, customers: Sequence[CustomerData], seen_at: datetime | None = None
) -> None:
    """Write full customer objects (from a listing or an event) that changed since last written;
    `seen_at` marks the written ones as listed."""
    customers = unchanged_left_out(StripeCustomer, org, customers)
    if not customers:
        return
    rows = [
        StripeCustomer(
            org=org,
            stripe_id=customer.stripe_id,
            name=customer.name,
            email=customer.email,
            metadata=customer.metadata,
            deleted=customer.deleted,
            created=customer.created,
            last_seen_at=seen_at,
            fingerprint=fingerprint_of(customer),
        )
        for customer in customers
    ]
    update = ["name", "email", "metadata", "deleted", "created", "updated_at", "fingerprint"]
    StripeCustomer.objects.bulk_create(
        rows,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["org", "stripe_id"],
        update_fields=update + (["last_seen_at"] if seen_at else []),
    )


def customers_mark_deleted(*, org: Organization, stripe_ids: Iterable[str]) -> None:
    """Stripe answers a deleted customer with a bare stub: keep what was known, flag it deleted."""
    ids = set(stripe_ids)
    customer_pks(org=org, stripe_ids=ids)
    StripeCustomer.objects.filter(org=org, stripe_id__in=ids).update(
        deleted=True, fingerprint="", updated_at=timezone.now()
    )


def customer_pks(
    *, org: Organization, stripe_ids: Iterable[str], hints: Mapping[str, tuple[str, str]] | None = None
) -> dict[str, int]:
    """Primary keys of these customers, creating a row for any not mirrored yet.

    A document may name a customer the listing has not reached (or that was deleted before the
    first sync); the new row takes the (name, email) `hints` the document carries, and is
    completed by the next listing or flagged by the deletion check.
    """
    ids = {stripe_id for stripe_id in stripe_ids if stripe_id}
    found = dict(StripeCustomer.objects.filter(org=org, stripe_id__in=ids).values_list("stripe_id", "pk"))
    missing = ids - found.keys()
    if missing:
        hints = hints or {}
        rows = [
            StripeCustomer(org=org, stripe_id=stripe_id, name=hints.get(stripe_id, ("", ""))[0],
                           email=hints.get(stripe_id, ("", ""))[1])
            for stripe_id in missing
        ]  # fmt: skip
        StripeCustomer.objects.bulk_create(rows, ignore_conflicts=True)
        found.update(
            StripeCustomer.objects.filter(org=org, stripe_id__in=missing).values_list("stripe_id", "pk")
        )
    return found
