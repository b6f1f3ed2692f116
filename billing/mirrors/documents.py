"""Invoice and credit note mirrors: the documents that carry revenue.

A document is rewritten only when its fingerprint changed; writing it replaces its lines (for an
invoice) and its revenue allocations, and reports the (customer, day)s they touched.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from billing.bulk import insert_rows
from billing.mirrors.customers import customer_pks
from billing.mirrors.upsert import mirror_upsert
from billing.models import StripeCreditNote, StripeInvoice, StripeInvoiceLine
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
from billing.stripe_objects import CreditNoteData, InvoiceData
from margint.models import Organization
from margint.money import normalize_currency

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
    mirror_upsert(StripeInvoice, rows)
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
    mirror_upsert(StripeCreditNote, rows)
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
