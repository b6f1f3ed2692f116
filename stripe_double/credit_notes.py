"""Builders for credit notes and events."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .documents import sums
from .periods import Moment, to_epoch

if TYPE_CHECKING:
    from .store import DatasetStore

    _Base = DatasetStore
else:
    _Base = object


@dataclass(frozen=True)
class CreditLine:
    """One credit note line; `invoice_line_item=None` makes a custom line."""

    amount: int
    invoice_line_item: str | None = None
    description: str | None = None
    quantity: int = 1
    tax_amount: int = 0


class CreditNoteBuilders(_Base):
    """Mixed into `StripeDataset`; each builder stores and returns the full Stripe object."""

    def add_credit_note(
        self,
        *,
        invoice: str,
        created: Moment,
        lines: Sequence[CreditLine] | None = None,
        amount: int | None = None,
        status: str = "issued",
        effective_at: Moment | None = None,
        voided_at: Moment | None = None,
        reason: str | None = None,
        memo: str | None = None,
        refund: bool = True,
        metadata: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A credit note on `invoice`: give `lines`, or `amount` for one custom line. On a paid
        invoice it is post-payment (a refund, or a balance credit with `refund=False`)."""
        if (lines is None) == (amount is None):
            raise ValueError("pass either lines or amount")
        if status not in ("issued", "void"):
            raise ValueError("status must be issued or void")
        source = self.get("invoices", invoice)
        specs = list(lines) if lines is not None else [CreditLine(amount=amount or 0)]
        note = self.template("credit_note")
        note_id = self.new_id("cn")
        line_objects = [self._credit_line(spec, source) for spec in specs]
        totals = sums(line_objects)
        total, post = totals["total"], source["status"] == "paid"
        created_at = to_epoch(created)
        note.update(
            id=note_id,
            invoice=source["id"],
            customer=source["customer"],
            currency=source["currency"],
            created=created_at,
            effective_at=to_epoch(effective_at) if effective_at is not None else created_at,
            amount=total,
            amount_shipping=0,
            subtotal=totals["subtotal"],
            subtotal_excluding_tax=totals["subtotal"],
            total=total,
            total_excluding_tax=totals["total_excluding_tax"],
            total_taxes=totals["total_taxes"],
            discount_amount=0,
            discount_amounts=[],
            pretax_credit_amounts=[],
            lines={
                "data": line_objects,
                "has_more": False,
                "object": "list",
                "url": f"/v1/credit_notes/{note_id}/lines",
            },
            memo=memo,
            reason=reason,
            metadata=dict(metadata or {}),
            number=f"{source['number'] or source['id']}-CN-{self._credit_note_count(invoice) + 1:02d}",
            status=status,
            voided_at=(to_epoch(voided_at) if voided_at is not None else created_at)
            if status == "void"
            else None,
            type="post_payment" if post else "pre_payment",
            post_payment_amount=total if post else 0,
            pre_payment_amount=0 if post else total,
            out_of_band_amount=None,
            shipping_cost=None,
            refunds=(
                [
                    {
                        "amount_refunded": total,
                        "payment_record_refund": None,
                        "refund": self.new_id("re"),
                        "type": "refund",
                    }
                ]
                if post and refund
                else []
            ),
            customer_balance_transaction=self.new_id("cbtxn") if post and not refund else None,
        )
        if status == "issued":
            _credit_invoice(source, total, post)
        return self.put("credit_notes", note)

    def _credit_note_count(self, invoice_id: str) -> int:
        return sum(1 for note in self.objects["credit_notes"].values() if note["invoice"] == invoice_id)

    def _credit_line(self, spec: CreditLine, invoice: dict[str, Any]) -> dict[str, Any]:
        line = self.template("credit_note_line_item")
        source = _invoice_line_by_id(invoice, spec.invoice_line_item)
        taxes = []
        if spec.tax_amount:
            if source is None or not source["taxes"]:
                raise ValueError("a taxed credit line must credit a taxed invoice line")
            taxes = [{**source["taxes"][0], "amount": spec.tax_amount, "taxable_amount": spec.amount}]
        line.update(
            id=self.new_id("cnli"),
            amount=spec.amount,
            description=spec.description or (source["description"] if source else "Credit"),
            quantity=spec.quantity,
            type="invoice_line_item" if source else "custom_line_item",
            unit_amount=None if source else spec.amount,
            unit_amount_decimal=None if source else str(spec.amount),
            discount_amount=0,
            discount_amounts=[],
            pretax_credit_amounts=[],
            tax_rates=[],
            taxes=taxes,
            metadata={},
        )
        if source is None:
            line.pop("invoice_line_item", None)  # custom lines have no source line
        else:
            line["invoice_line_item"] = source["id"]
        return line

    def add_event(
        self,
        *,
        type: str,
        obj: Mapping[str, Any],
        created: Moment,
        previous_attributes: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An event whose `data.object` is a snapshot of `obj` as it is now."""
        event = self.template("event")
        data: dict[str, Any] = {"object": _snapshot(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = _snapshot(previous_attributes)
        event.update(id=self.new_id("evt"), type=type, created=to_epoch(created), data=data)
        return self.put("events", event)


def _snapshot(obj: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(dict(obj)))


def _invoice_line_by_id(invoice: dict[str, Any], line_id: str | None) -> dict[str, Any] | None:
    if line_id is None:
        return None
    for line in invoice["lines"]["data"]:
        if line["id"] == line_id:
            return line
    raise KeyError(f"invoice {invoice['id']} has no line {line_id!r}")


def _credit_invoice(invoice: dict[str, Any], total: int, post_payment: bool) -> None:
    """An issued credit note lowers what an open invoice still asks for."""
    if post_payment:
        invoice["post_payment_credit_notes_amount"] += total
        return
    invoice["pre_payment_credit_notes_amount"] += total
    invoice["amount_due"] = max(invoice["amount_due"] - total, 0)
    invoice["amount_remaining"] = max(invoice["amount_remaining"] - total, 0)
