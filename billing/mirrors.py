"""Writes of the Stripe mirrors, shared by the revenue sync and the Stripe webhooks.

Every mirror is unique on (org, Stripe id) and written with an upsert, so reading the same object
twice changes nothing. Invoices and credit notes also carry a fingerprint of what was read (and
of the reporting currency): an unchanged document is not rewritten and its allocations stay as
they are. Writing a document replaces its revenue allocations; the caller then recomputes the
(customer, day)s returned in `DocumentWrite.touched` (see billing.revenue), in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from billing.bulk import insert_rows
from billing.models import (
    StripeCreditNote,
    StripeCustomer,
    StripeInvoice,
    StripeInvoiceLine,
    StripeSubscription,
    StripeSubscriptionItem,
)
from billing.money import normalize_currency
from billing.recognition import (
    CreditNoteFacts,
    DailyAllocation,
    InvoiceFacts,
    InvoiceLineFacts,
    LineTax,
    allocate_credit_note,
    allocate_invoice,
)
from billing.revenue import DayKey, SourceAllocations, allocations_replace
from billing.stripe_objects import (
    CreditNoteData,
    CustomerData,
    DiscountData,
    InvoiceData,
    SubscriptionData,
)
from margint.models import Organization

_BATCH = 2000
# Invoices whose status can still change; a paid, void or uncollectible invoice stays so.
OPEN_INVOICE_STATUSES = ("draft", "open")


@dataclass
class DocumentWrite:
    touched: set[DayKey] = field(default_factory=set)
    skipped_currencies: Counter[str] = field(default_factory=Counter)
    rewritten: int = 0

    @property
    def skipped(self) -> int:
        return sum(self.skipped_currencies.values())


# -- customers -------------------------------------------------------------------------------


def customers_upsert(
    *, org: Organization, customers: Sequence[CustomerData], seen_at: datetime | None = None
) -> None:
    """Write full customer objects (from a listing or an event); `seen_at` marks them as listed."""
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
        )
        for customer in customers
    ]
    update = ["name", "email", "metadata", "deleted", "created", "updated_at"]
    StripeCustomer.objects.bulk_create(
        rows,
        batch_size=_BATCH,
        update_conflicts=True,
        unique_fields=["org", "stripe_id"],
        update_fields=update + (["last_seen_at"] if seen_at else []),
    )


def customers_mark_deleted(*, org: Organization, stripe_ids: Iterable[str]) -> None:
    """Stripe answers a deleted customer with a bare stub: keep what was known, flag it deleted."""
    ids = set(stripe_ids)
    customer_pks(org=org, stripe_ids=ids)
    StripeCustomer.objects.filter(org=org, stripe_id__in=ids).update(deleted=True, updated_at=timezone.now())


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


# -- subscriptions ---------------------------------------------------------------------------


def discounts_json(discounts: Sequence[DiscountData]) -> list[dict]:
    return [
        {
            "duration": d.duration,
            "percent_off": d.percent_off,
            "amount_off": d.amount_off,
            "currency": d.currency,
            "end": d.end.isoformat() if d.end else None,
        }
        for d in discounts
    ]


def subscriptions_upsert(
    *, org: Organization, subscriptions: Sequence[SubscriptionData], event_at: datetime | None = None
) -> None:
    if not subscriptions:
        return
    customers = customer_pks(org=org, stripe_ids=[sub.customer_id for sub in subscriptions])
    rows = [_subscription_row(org, sub, customers[sub.customer_id], event_at) for sub in subscriptions]
    _mirror_upsert(StripeSubscription, rows)
    pks = dict(
        StripeSubscription.objects.filter(
            org=org, stripe_id__in=[sub.stripe_id for sub in subscriptions]
        ).values_list("stripe_id", "pk")
    )
    StripeSubscriptionItem.objects.filter(org=org, subscription_id__in=pks.values()).delete()
    items = [
        StripeSubscriptionItem(
            org=org,
            subscription_id=pks[sub.stripe_id],
            stripe_id=item.stripe_id,
            price_id=item.price_id,
            product_id=item.product_id,
            nickname=item.nickname,
            currency=item.currency,
            unit_amount_decimal=item.unit_amount_decimal,
            interval=item.interval,
            interval_count=item.interval_count,
            usage_type=item.usage_type,
            quantity=item.quantity,
            discounts=discounts_json(item.discounts),
        )
        for sub in subscriptions
        for item in sub.items
    ]
    StripeSubscriptionItem.objects.bulk_create(items, batch_size=_BATCH)


_KEYS = {"id", "org", "stripe_id"}


def _subscription_row(
    org: Organization, sub: SubscriptionData, customer_pk: int, event_at: datetime | None
) -> StripeSubscription:
    return StripeSubscription(
        org=org,
        stripe_id=sub.stripe_id,
        stripe_customer_id=customer_pk,
        status=sub.status,
        currency=sub.currency,
        created=sub.created,
        current_period_start=sub.current_period_start,
        current_period_end=sub.current_period_end,
        trial_end=sub.trial_end,
        canceled_at=sub.canceled_at,
        discounts=discounts_json(sub.discounts),
        event_at=event_at,
    )


# -- invoices --------------------------------------------------------------------------------


def fingerprint(document: InvoiceData | CreditNoteData, reporting_currency: str) -> str:
    """Digest of everything read from Stripe plus the currency revenue is reported in."""
    # A dataclass repr spells out every field, nested lines included, in a fixed order.
    return hashlib.sha256(repr((document, reporting_currency)).encode()).hexdigest()


def invoices_upsert(
    *, org: Organization, invoices: Sequence[InvoiceData], event_at: datetime | None = None
) -> DocumentWrite:
    """Write invoices that changed since last read, with their lines and allocations."""
    result = DocumentWrite()
    currency = org.reporting_currency
    for invoice in invoices:
        if normalize_currency(invoice.currency) != normalize_currency(currency):
            result.skipped_currencies[normalize_currency(invoice.currency)] += 1
    prints = {invoice.stripe_id: fingerprint(invoice, currency) for invoice in invoices}
    known = dict(
        StripeInvoice.objects.filter(org=org, stripe_id__in=prints).values_list("stripe_id", "fingerprint")
    )
    changed = [invoice for invoice in invoices if known.get(invoice.stripe_id) != prints[invoice.stripe_id]]
    _touch_unchanged_open(org, [inv for inv in invoices if known.get(inv.stripe_id) == prints[inv.stripe_id]])
    if not changed:
        return result
    hints = {invoice.customer_id: (invoice.customer_name, invoice.customer_email) for invoice in changed}
    customers = customer_pks(org=org, stripe_ids=hints, hints=hints)
    rows = [
        _invoice_row(org, inv, customers[inv.customer_id], prints[inv.stripe_id], event_at) for inv in changed
    ]
    _mirror_upsert(StripeInvoice, rows)
    _lines_replace(org, changed)
    sources = [
        SourceAllocations("invoice", invoice.stripe_id, invoice_allocations(invoice, currency))
        for invoice in changed
    ]
    result.touched = allocations_replace(org=org, sources=sources, customer_pks=customers)
    result.rewritten = len(changed)
    return result


def invoice_allocations(invoice: InvoiceData, reporting_currency: str) -> tuple[DailyAllocation, ...]:
    """Only a paid invoice is revenue; its lines are spread by billing.recognition."""
    if invoice.status != "paid":
        return ()
    facts = InvoiceFacts(
        stripe_customer_id=invoice.customer_id,
        currency=invoice.currency,
        # Stripe sets paid_at on every paid invoice; created is the fallback for old data.
        paid_at=invoice.paid_at or invoice.created,
        lines=tuple(
            InvoiceLineFacts(
                amount_minor=line.amount,
                discount_amounts_minor=line.discount_amounts,
                taxes=tuple(LineTax(amount, behavior) for amount, behavior in line.taxes),
                period_start=line.period_start,
                period_end=line.period_end,
            )
            for line in invoice.lines
        ),
    )
    return allocate_invoice(facts, reporting_currency=reporting_currency).allocations


def _touch_unchanged_open(org: Organization, invoices: Sequence[InvoiceData]) -> None:
    # A re-read open invoice is current even when unchanged: the stale-invoice check skips it.
    open_ids = [invoice.stripe_id for invoice in invoices if invoice.status in OPEN_INVOICE_STATUSES]
    if open_ids:
        StripeInvoice.objects.filter(org=org, stripe_id__in=open_ids).update(synced_at=timezone.now())


def _invoice_row(
    org: Organization, invoice: InvoiceData, customer_pk: int, digest: str, event_at: datetime | None
) -> StripeInvoice:
    return StripeInvoice(
        org=org,
        stripe_id=invoice.stripe_id,
        stripe_customer_id=customer_pk,
        subscription_stripe_id=invoice.subscription_id,
        status=invoice.status,
        currency=invoice.currency,
        created=invoice.created,
        paid_at=invoice.paid_at,
        total=invoice.total,
        total_excluding_tax=invoice.total_excluding_tax,
        amount_paid=invoice.amount_paid,
        amount_remaining=invoice.amount_remaining,
        attempt_count=invoice.attempt_count,
        billing_reason=invoice.billing_reason,
        number=invoice.number,
        fingerprint=digest,
        event_at=event_at,
    )


def _lines_replace(org: Organization, invoices: Sequence[InvoiceData]) -> None:
    pks = dict(
        StripeInvoice.objects.filter(org=org, stripe_id__in=[inv.stripe_id for inv in invoices]).values_list(
            "stripe_id", "pk"
        )
    )
    StripeInvoiceLine.objects.filter(invoice_id__in=pks.values()).delete()
    rows = [
        (
            org.pk,
            pks[invoice.stripe_id],
            line.stripe_id,
            line.amount,
            list(line.discount_amounts),
            [list(tax) for tax in line.taxes],
            line.period_start,
            line.period_end,
            line.proration,
            line.price_id,
            line.subscription_item_id,
            line.description,
            line.quantity,
        )
        for invoice in invoices
        for line in invoice.lines
    ]
    insert_rows(StripeInvoiceLine, _LINE_FIELDS, rows)


_LINE_FIELDS = [
    "org",
    "invoice",
    "stripe_id",
    "amount",
    "discount_amounts",
    "taxes",
    "period_start",
    "period_end",
    "proration",
    "price_id",
    "subscription_item_id",
    "description",
    "quantity",
]


def invoice_delete(*, org: Organization, stripe_id: str) -> set[DayKey]:
    """A deleted draft: drop its mirror and whatever it had allocated (nothing, for a draft)."""
    touched = allocations_replace(
        org=org, sources=[SourceAllocations("invoice", stripe_id, ())], customer_pks={}
    )
    StripeInvoice.objects.filter(org=org, stripe_id=stripe_id).delete()
    return touched


# -- credit notes ----------------------------------------------------------------------------


def credit_notes_upsert(
    *, org: Organization, credit_notes: Sequence[CreditNoteData], event_at: datetime | None = None
) -> DocumentWrite:
    result = DocumentWrite()
    currency = org.reporting_currency
    prints = {note.stripe_id: fingerprint(note, currency) for note in credit_notes}
    known = dict(
        StripeCreditNote.objects.filter(org=org, stripe_id__in=prints).values_list("stripe_id", "fingerprint")
    )
    changed = [note for note in credit_notes if known.get(note.stripe_id) != prints[note.stripe_id]]
    if not changed:
        return result
    customers = customer_pks(org=org, stripe_ids=[note.customer_id for note in changed])
    rows = [
        StripeCreditNote(
            org=org,
            stripe_id=note.stripe_id,
            stripe_customer_id=customers[note.customer_id],
            invoice_stripe_id=note.invoice_id,
            status=note.status,
            currency=note.currency,
            created=note.created,
            effective_at=note.effective_at,
            total=note.total,
            total_excluding_tax=note.total_excluding_tax,
            total_taxes=list(note.total_taxes),
            reason=note.reason,
            fingerprint=prints[note.stripe_id],
            event_at=event_at,
        )
        for note in changed
    ]
    _mirror_upsert(StripeCreditNote, rows)
    sources = [
        SourceAllocations("credit_note", note.stripe_id, credit_note_allocations(note, currency))
        for note in changed
    ]
    result.touched = allocations_replace(org=org, sources=sources, customer_pks=customers)
    result.rewritten = len(changed)
    return result


def credit_note_allocations(note: CreditNoteData, reporting_currency: str) -> tuple[DailyAllocation, ...]:
    """An issued credit note subtracts its net on its effective day; a voided one nothing."""
    if note.status != "issued":
        return ()
    facts = CreditNoteFacts(
        stripe_customer_id=note.customer_id,
        currency=note.currency,
        total_minor=note.total,
        created=note.created,
        total_excluding_tax_minor=note.total_excluding_tax,
        total_taxes_minor=note.total_taxes,
        effective_at=note.effective_at,
    )
    return allocate_credit_note(facts, reporting_currency=reporting_currency).allocations


def _mirror_upsert(model, rows: list) -> None:
    """Insert or update mirrors on their (org, Stripe id) key: every other column takes the new value."""
    model.objects.bulk_create(
        rows,
        batch_size=_BATCH,
        update_conflicts=True,
        unique_fields=["org", "stripe_id"],
        update_fields=[f.name for f in model._meta.concrete_fields if f.name not in _KEYS],
    )
