"""Invoice and credit note mirrors: the documents that carry revenue.

A document is rewritten only when its fingerprint changed; writing it replaces its lines (for an
invoice) and its revenue allocations, and reports the (customer, day)s they touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from billing.bulk import insert_rows
from billing.conversion import book_for, document_day, invoice_conversion, table_conversion
from billing.mirrors.customers import customer_pks
from billing.mirrors.upsert import fingerprint_of, mirror_upsert, mirrors_write
from billing.models import StripeCreditNote, StripeInvoice, StripeInvoiceLine
from billing.recognition import (
    NO_RATE,
    Conversion,
    CreditNoteFacts,
    DailyAllocation,
    InvoiceFacts,
    InvoiceLineFacts,
    LineTax,
    allocate_credit_note,
    allocate_invoice,
    credit_note_net_micro,
    line_net_minor,
    utc_day,
)
from billing.revenue import DayKey, SourceAllocations, allocations_replace
from billing.stripe_objects import CreditNoteData, InvoiceData
from margint.fx.rates import display_rate
from margint.models import Organization
from margint.money import minor_to_micro, normalize_currency

# Invoices whose status can still change; a paid, void or uncollectible invoice stays so.
OPEN_INVOICE_STATUSES = ("draft", "open")


@dataclass
class DocumentWrite:
    touched: set[DayKey] = field(default_factory=set)
    # Documents written without a rate to convert them (NO_RATE), per currency.
    skipped_currencies: Counter[str] = field(default_factory=Counter)
    rewritten: int = 0

    @property
    def skipped(self) -> int:
        return sum(self.skipped_currencies.values())


def fingerprint(document: InvoiceData | CreditNoteData, reporting_currency: str) -> str:
    """Digest of everything read from Stripe plus the currency revenue is reported in."""
    return fingerprint_of(document, reporting_currency)


def needs_settlement(invoice: InvoiceData, reporting_currency: str) -> bool:
    """A paid invoice in another currency, with money paid: its settlement converts it."""
    foreign = normalize_currency(invoice.currency) != normalize_currency(reporting_currency)
    return foreign and invoice.status == "paid" and invoice.amount_paid > 0


def invoices_upsert(
    *, org: Organization, invoices: Sequence[InvoiceData], event_at: datetime | None = None
) -> DocumentWrite:
    """Write invoices that changed since last read, with their lines, conversion and allocations."""
    result = DocumentWrite()
    currency = org.reporting_currency
    prints = {invoice.stripe_id: fingerprint(invoice, currency) for invoice in invoices}
    known = dict(
        StripeInvoice.objects.filter(org=org, stripe_id__in=prints).values_list("stripe_id", "fingerprint")
    )
    changed = [invoice for invoice in invoices if known.get(invoice.stripe_id) != prints[invoice.stripe_id]]
    if not changed:
        return result
    hints = {invoice.customer_id: (invoice.customer_name, invoice.customer_email) for invoice in changed}
    customers = customer_pks(org=org, stripe_ids=hints, hints=hints)
    conversions = _invoice_conversions(changed, currency)
    rows = [
        _invoice_values(
            org, inv, customers[inv.customer_id], prints[inv.stripe_id], event_at, conversions[inv.stripe_id]
        )
        for inv in changed
    ]
    # Invoices read for the first time have neither a mirror, nor lines, nor allocations to replace.
    new = {invoice.stripe_id for invoice in changed if invoice.stripe_id not in known}
    mirrors_write(StripeInvoice, rows, new=new)
    _lines_replace(org, changed, new)
    sources = [
        SourceAllocations(
            "invoice",
            invoice.stripe_id,
            invoice_allocations(invoice, currency, conversions[invoice.stripe_id]),
        )
        for invoice in changed
    ]
    result.skipped_currencies = _unconverted(changed, conversions)
    result.touched = allocations_replace(org=org, sources=sources, customer_pks=customers, new_source_ids=new)
    result.rewritten = len(changed)
    return result


def _invoice_conversions(invoices: Sequence[InvoiceData], reporting: str) -> dict[str, Conversion]:
    days = {
        inv.stripe_id: document_day(status=inv.status, created=inv.created, paid_at=inv.paid_at)
        for inv in invoices
    }
    book = book_for(reporting=reporting, documents=[(inv.currency, days[inv.stripe_id]) for inv in invoices])
    return {
        inv.stripe_id: invoice_conversion(
            book,
            currency=inv.currency,
            reporting=reporting,
            day=days[inv.stripe_id],
            settlement=inv.settlement,
        )
        for inv in invoices
    }


def _unconverted(
    documents: Sequence[InvoiceData | CreditNoteData], conversions: dict[str, Conversion]
) -> Counter:
    return Counter(
        normalize_currency(doc.currency) for doc in documents if conversions[doc.stripe_id].source == NO_RATE
    )


def invoice_facts(invoice: InvoiceData) -> InvoiceFacts:
    return InvoiceFacts(
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


def invoice_allocations(
    invoice: InvoiceData, reporting_currency: str, conversion: Conversion | None = None
) -> tuple[DailyAllocation, ...]:
    """Only a paid invoice is revenue; its lines are spread by billing.recognition."""
    if invoice.status != "paid":
        return ()
    facts = invoice_facts(invoice)
    return allocate_invoice(facts, reporting_currency=reporting_currency, conversion=conversion).allocations


def converted_net(facts: InvoiceFacts, conversion: Conversion) -> int:
    """The invoice's net in the reporting currency: each line converted and rounded once."""
    return sum(conversion.apply(minor_to_micro(line_net_minor(line), facts.currency)) for line in facts.lines)


def fx_fields(conversion: Conversion, reporting_net: int) -> dict:
    """The mirror columns that say how a document's net became the reporting currency."""
    return {
        "reporting_net_micro": reporting_net,
        "fx_source": conversion.source,
        "fx_rate": None if conversion.rate is None else display_rate(conversion.rate),
        "fx_rate_day": conversion.rate_day,
    }


def _invoice_values(
    org: Organization,
    invoice: InvoiceData,
    customer_pk: int,
    digest: str,
    event_at: datetime | None,
    conversion: Conversion,
) -> dict[str, Any]:
    """The mirror's column values (by attribute name) for `mirrors_write`."""
    settlement = invoice.settlement
    return dict(
        settled_amount=settlement.amount if settlement else None,
        settled_currency=settlement.currency if settlement else "",
        settled_exchange_rate=Decimal(settlement.exchange_rate)
        if settlement and settlement.exchange_rate
        else None,
        **fx_fields(conversion, converted_net(invoice_facts(invoice), conversion)),
        org_id=org.pk,
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


def _lines_replace(org: Organization, invoices: Sequence[InvoiceData], new: set[str]) -> None:
    """Replace the lines of `invoices`, whose mirrors were just written; `new` ones have none yet."""
    pks = dict(
        StripeInvoice.objects.filter(org=org, stripe_id__in=[inv.stripe_id for inv in invoices]).values_list(
            "stripe_id", "pk"
        )
    )
    rewritten = [pk for stripe_id, pk in pks.items() if stripe_id not in new]
    if rewritten:
        StripeInvoiceLine.objects.filter(invoice_id__in=rewritten).delete()
    org_pk = org.pk
    rows = [
        (
            org_pk,
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
            line.product_id,
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
    "product_id",
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
    conversions = _credit_note_conversions(changed, currency)
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
            **fx_fields(conversions[note.stripe_id], conversions[note.stripe_id].apply(_note_net(note))),
        )
        for note in changed
    ]
    mirror_upsert(StripeCreditNote, rows)
    sources = [
        SourceAllocations(
            "credit_note",
            note.stripe_id,
            credit_note_allocations(note, currency, conversions[note.stripe_id]),
        )
        for note in changed
    ]
    result.skipped_currencies = _unconverted(changed, conversions)
    new = {note.stripe_id for note in changed if note.stripe_id not in known}
    result.touched = allocations_replace(org=org, sources=sources, customer_pks=customers, new_source_ids=new)
    result.rewritten = len(changed)
    return result


def credit_note_facts(note: CreditNoteData) -> CreditNoteFacts:
    return CreditNoteFacts(
        stripe_customer_id=note.customer_id,
        currency=note.currency,
        total_minor=note.total,
        created=note.created,
        total_excluding_tax_minor=note.total_excluding_tax,
        total_taxes_minor=note.total_taxes,
        effective_at=note.effective_at,
    )


def _note_net(note: CreditNoteData) -> int:
    return -credit_note_net_micro(credit_note_facts(note))


def _credit_note_conversions(notes: Sequence[CreditNoteData], reporting: str) -> dict[str, Conversion]:
    days = {note.stripe_id: utc_day(note.effective_at or note.created) for note in notes}
    book = book_for(reporting=reporting, documents=[(note.currency, days[note.stripe_id]) for note in notes])
    return {
        note.stripe_id: table_conversion(
            book, currency=note.currency, reporting=reporting, day=days[note.stripe_id]
        )
        for note in notes
    }


def credit_note_allocations(
    note: CreditNoteData, reporting_currency: str, conversion: Conversion | None = None
) -> tuple[DailyAllocation, ...]:
    """An issued credit note subtracts its net on its effective day; a voided one nothing."""
    if note.status != "issued":
        return ()
    facts = credit_note_facts(note)
    return allocate_credit_note(
        facts, reporting_currency=reporting_currency, conversion=conversion
    ).allocations
