"""Revenue recognition and MRR: Stripe facts in, integer micro-unit amounts out.

Pure package: frozen dataclasses in and out, no Django, no ORM, no clock, no stripe import.
The gateway turns Stripe objects into the *Facts classes (epoch seconds become aware datetimes
there); the caller stores the allocations and passes `as_of` explicitly.

- `allocation`: the net of invoices and credit notes, allocated per (customer, UTC day); the rules.
- `days`: the UTC day of a moment, and an amount spread exactly over the days of a period.
- `mrr`: monthly recurring revenue from subscriptions, else from recent recognized revenue.
"""

from __future__ import annotations

from billing.recognition.allocation import (
    NO_RATE,
    RATE_TABLE,
    SAME_CURRENCY,
    SETTLEMENT,
    TAX_EXCLUSIVE,
    TAX_INCLUSIVE,
    AllocationResult,
    Conversion,
    CreditNoteFacts,
    DailyAllocation,
    InvoiceFacts,
    InvoiceLineFacts,
    LineTax,
    allocate_credit_note,
    allocate_invoice,
    allocated_micro,
    credit_note_net_micro,
    invoice_net_micro,
    line_net_minor,
)
from billing.recognition.days import spread_over_days, utc_day
from billing.recognition.mrr import (
    COUNTED_SUBSCRIPTION_STATUSES,
    METERED,
    DiscountFacts,
    Mrr,
    MrrSource,
    SubscriptionFacts,
    SubscriptionItemFacts,
    compute_mrr,
    trailing_mrr,
)

__all__ = [
    "NO_RATE",
    "RATE_TABLE",
    "SAME_CURRENCY",
    "SETTLEMENT",
    "Conversion",
    "COUNTED_SUBSCRIPTION_STATUSES",
    "METERED",
    "TAX_EXCLUSIVE",
    "TAX_INCLUSIVE",
    "AllocationResult",
    "CreditNoteFacts",
    "DailyAllocation",
    "DiscountFacts",
    "InvoiceFacts",
    "InvoiceLineFacts",
    "LineTax",
    "Mrr",
    "MrrSource",
    "SubscriptionFacts",
    "SubscriptionItemFacts",
    "allocate_credit_note",
    "allocate_invoice",
    "allocated_micro",
    "compute_mrr",
    "trailing_mrr",
    "credit_note_net_micro",
    "invoice_net_micro",
    "line_net_minor",
    "spread_over_days",
    "utc_day",
]
