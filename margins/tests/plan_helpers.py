"""Paid Stripe invoices with priced lines, written through billing's real mirror (parse + upsert)."""

from __future__ import annotations

from datetime import UTC, datetime

from billing.mirrors.documents import invoices_upsert
from billing.stripe_objects import parse_invoice
from margint.models import Organization


def epoch(year: int, month: int, day: int = 1) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp())


def monthly_line(line_id: str, cents: int, price: str, product: str | None, year: int, month: int) -> dict:
    """A line of one month of service, today's API shape (product beside the price when given)."""
    end = epoch(year + month // 12, month % 12 + 1)
    details = {"price": price, **({"product": product} if product else {})}
    return {
        "id": line_id,
        "amount": cents,
        "period": {"start": epoch(year, month), "end": end},
        "pricing": {"type": "price_details", "price_details": details},
    }


def paid_invoice(org: Organization, invoice_id: str, customer: str, lines: list[dict], *, paid: int) -> None:
    total = sum(line["amount"] for line in lines)
    obj = {
        "id": invoice_id,
        "customer": customer,
        "status": "paid",
        "currency": "usd",
        "created": paid,
        "status_transitions": {"paid_at": paid},
        "total": total,
        "total_excluding_tax": total,
        "amount_paid": total,
        "lines": {"data": lines, "has_more": False},
    }
    invoices_upsert(org=org, invoices=[parse_invoice(obj)])
