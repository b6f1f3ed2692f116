"""Converting every recognized amount again, from the mirrors, without reading Stripe.

Run in the background when the reporting currency changes (`CurrencyRebuild`, whose `done` of
`total` documents is the progress the settings page shows) and after new exchange rates arrive
for the documents that had none (`NO_RATE`). Each batch of documents is one transaction under
the org's revenue lock: conversions recomputed from what the mirrors keep (lines, settlement),
mirror conversion columns updated, allocations replaced, daily revenue recomputed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.db import transaction

from billing.conversion import book_for, document_day, invoice_conversion, table_conversion
from billing.mirrors.documents import converted_net, fx_fields
from billing.models import RevenueAllocation, StripeCreditNote, StripeInvoice
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
    utc_day,
)
from billing.revenue import (
    RevenueLockLost,
    SourceAllocations,
    allocations_replace,
    revenue_daily_recompute,
    revenue_lock,
)
from billing.stripe_objects import SettlementData
from margint.fx.models import CurrencyRebuild
from margint.fx.services import rebuild_is_current, rebuild_part_done, rebuild_part_finish, rebuild_part_total
from margint.models import Organization

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
_FX_FIELDS = ["reporting_net_micro", "fx_source", "fx_rate", "fx_rate_day"]


def revenue_rebuild_execute(*, rebuild: CurrencyRebuild) -> int:
    """Convert every document of the org, batch by batch, counting them on the rebuild; stop when
    a newer currency was chosen. Returns how many documents were converted."""
    org = rebuild.org
    batches = list(_document_batches(org))
    rebuild_part_total(rebuild=rebuild, items=sum(len(ids) for _, ids in batches))
    converted = 0
    try:
        for kind, ids in batches:
            if not rebuild_is_current(rebuild=rebuild):
                return converted
            _reconvert_batch(org, rebuild.currency, kind, ids)
            rebuild_part_done(rebuild=rebuild, items=len(ids))
            converted += len(ids)
    except RevenueLockLost:
        pass  # disconnected meanwhile: the mirrors are gone with the connection
    except Exception as error:
        logger.exception("revenue rebuild %s of %s failed", rebuild.pk, org.public_id)
        rebuild_part_finish(rebuild=rebuild, error=f"revenue: {type(error).__name__}: {error}")
        return converted
    rebuild_part_finish(rebuild=rebuild)
    return converted


def unconverted_reconvert(*, org: Organization) -> int:
    """Convert again the documents that had no rate (new rates arrived); how many were read."""
    source_ids = set(
        RevenueAllocation.objects.filter(org=org, rate_source=NO_RATE).values_list("source_id", flat=True)
    )
    source_ids |= set(
        StripeInvoice.objects.filter(org=org, fx_source=NO_RATE).values_list("stripe_id", flat=True)
    )
    source_ids |= set(
        StripeCreditNote.objects.filter(org=org, fx_source=NO_RATE).values_list("stripe_id", flat=True)
    )
    invoices = list(
        StripeInvoice.objects.filter(org=org, stripe_id__in=source_ids).values_list("pk", flat=True)
    )
    notes = list(
        StripeCreditNote.objects.filter(org=org, stripe_id__in=source_ids).values_list("pk", flat=True)
    )
    for kind, ids in (("invoice", invoices), ("credit_note", notes)):
        for start in range(0, len(ids), BATCH_SIZE):
            _reconvert_batch(org, org.reporting_currency, kind, ids[start : start + BATCH_SIZE])
    return len(invoices) + len(notes)


def _document_batches(org: Organization):
    for kind, model in (("invoice", StripeInvoice), ("credit_note", StripeCreditNote)):
        ids = list(model.objects.filter(org=org).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH_SIZE):
            yield kind, ids[start : start + BATCH_SIZE]


@transaction.atomic
def _reconvert_batch(org: Organization, reporting: str, kind: str, ids: Sequence[int]) -> None:
    revenue_lock(org=org)
    if kind == "invoice":
        sources, customers = _invoice_sources(org, reporting, ids)
    else:
        sources, customers = _credit_note_sources(org, reporting, ids)
    touched = allocations_replace(org=org, sources=sources, customer_pks=customers)
    revenue_daily_recompute(org=org, keys=touched)


def _invoice_sources(org: Organization, reporting: str, ids: Sequence[int]):
    invoices = list(
        StripeInvoice.objects.filter(org=org, pk__in=ids)
        .select_related("stripe_customer")
        .prefetch_related("lines")
    )
    days = {
        inv.pk: document_day(status=inv.status, created=inv.created, paid_at=inv.paid_at) for inv in invoices
    }
    book = book_for(reporting=reporting, documents=[(inv.currency, days[inv.pk]) for inv in invoices])

    def convert(invoice: StripeInvoice) -> tuple[Conversion, int, tuple[DailyAllocation, ...]]:
        facts = _invoice_facts(invoice)
        conversion = invoice_conversion(
            book,
            currency=invoice.currency,
            reporting=reporting,
            day=days[invoice.pk],
            settlement=_settlement(invoice),
        )
        allocations: tuple[DailyAllocation, ...] = ()
        if invoice.status == "paid":  # only a paid invoice is revenue
            allocations = allocate_invoice(
                facts, reporting_currency=reporting, conversion=conversion
            ).allocations
        return conversion, converted_net(facts, conversion), allocations

    return _written_back(StripeInvoice, "invoice", invoices, convert)


def _credit_note_sources(org: Organization, reporting: str, ids: Sequence[int]):
    notes = list(StripeCreditNote.objects.filter(org=org, pk__in=ids).select_related("stripe_customer"))
    days = {note.pk: utc_day(note.effective_at or note.created) for note in notes}
    book = book_for(reporting=reporting, documents=[(note.currency, days[note.pk]) for note in notes])

    def convert(note: StripeCreditNote) -> tuple[Conversion, int, tuple[DailyAllocation, ...]]:
        facts = CreditNoteFacts(
            stripe_customer_id=note.stripe_customer.stripe_id,
            currency=note.currency,
            total_minor=note.total,
            created=note.created,
            total_excluding_tax_minor=note.total_excluding_tax,
            total_taxes_minor=tuple(note.total_taxes),
            effective_at=note.effective_at,
        )
        conversion = table_conversion(book, currency=note.currency, reporting=reporting, day=days[note.pk])
        allocations: tuple[DailyAllocation, ...] = ()
        if note.status == "issued":  # a voided credit note subtracts nothing
            allocations = allocate_credit_note(
                facts, reporting_currency=reporting, conversion=conversion
            ).allocations
        return conversion, conversion.apply(-credit_note_net_micro(facts)), allocations

    return _written_back(StripeCreditNote, "credit_note", notes, convert)


def _written_back(
    model, kind: str, documents: list, convert: Callable
) -> tuple[list[SourceAllocations], dict]:
    """Each document's conversion columns set from `convert`, saved in one statement; its
    allocations to replace, and the Stripe customer ids they name."""
    sources, customers = [], {}
    for document in documents:
        conversion, net_micro, allocations = convert(document)
        for name, value in fx_fields(conversion, net_micro).items():
            setattr(document, name, value)
        sources.append(SourceAllocations(kind, document.stripe_id, allocations))
        customers[document.stripe_customer.stripe_id] = document.stripe_customer_id
    model.objects.bulk_update(documents, _FX_FIELDS)
    return sources, customers


def _invoice_facts(invoice: StripeInvoice) -> InvoiceFacts:
    return InvoiceFacts(
        stripe_customer_id=invoice.stripe_customer.stripe_id,
        currency=invoice.currency,
        paid_at=invoice.paid_at or invoice.created,
        lines=tuple(
            InvoiceLineFacts(
                amount_minor=line.amount,
                discount_amounts_minor=tuple(line.discount_amounts),
                taxes=tuple(LineTax(amount, behavior) for amount, behavior in line.taxes),
                period_start=line.period_start,
                period_end=line.period_end,
            )
            for line in sorted(invoice.lines.all(), key=lambda line: line.pk)
        ),
    )


def _settlement(invoice: StripeInvoice) -> SettlementData | None:
    if invoice.settled_amount is None:
        return None
    rate = invoice.settled_exchange_rate
    return SettlementData(
        charged=invoice.amount_paid,
        amount=invoice.settled_amount,
        currency=invoice.settled_currency,
        exchange_rate=None if rate is None else str(rate),
    )
