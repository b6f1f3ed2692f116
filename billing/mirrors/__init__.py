"""Writes of the Stripe mirrors, shared by the revenue sync and the Stripe webhooks.

Every mirror is unique on (org, Stripe id) and written with an upsert, so reading the same object
twice changes nothing. Invoices and credit notes also carry a fingerprint of what was read (and
of the reporting currency): an unchanged document is not rewritten and its allocations stay as
they are. Writing a document replaces its revenue allocations; the caller then recomputes the
(customer, day)s returned in `DocumentWrite.touched` (see billing.revenue), in the same transaction.

- `customers`, `subscriptions`, `documents` (invoices and credit notes): one module per kind.
- `upsert`: the bulk upsert on (org, Stripe id) they share.
"""

from __future__ import annotations

from billing.mirrors.customers import customer_pks, customers_mark_deleted, customers_upsert
from billing.mirrors.documents import (
    OPEN_INVOICE_STATUSES,
    DocumentWrite,
    credit_note_allocations,
    credit_notes_upsert,
    fingerprint,
    invoice_allocations,
    invoice_delete,
    invoices_upsert,
    needs_settlement,
)
from billing.mirrors.subscriptions import discounts_json, subscriptions_upsert

__all__ = [
    "OPEN_INVOICE_STATUSES",
    "DocumentWrite",
    "credit_note_allocations",
    "credit_notes_upsert",
    "customer_pks",
    "customers_mark_deleted",
    "customers_upsert",
    "discounts_json",
    "fingerprint",
    "invoice_allocations",
    "invoice_delete",
    "invoices_upsert",
    "needs_settlement",
    "subscriptions_upsert",
]
