"""Builders for invoices, in the shape of Stripe's current API.

Invoice lines carry their origin in `parent` (`subscription_item_details` for subscription
items, `invoice_item_details` for one-off items and pending prorations), their price in
`pricing.price_details`, discounts in `discount_amounts` and taxes in `taxes`; the invoice sums
them into `total_discount_amounts` and `total_taxes` and names its subscription in
`parent.subscription_details`. The older top-level `subscription` fields stay null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .periods import Moment, advance, to_epoch

if TYPE_CHECKING:
    from .store import DatasetStore

    _Base = DatasetStore
else:
    _Base = object

INVOICE_STATUSES = ("draft", "open", "paid", "void", "uncollectible")
_PAYMENT_RETRY_SECONDS = 3 * 86400


@dataclass(frozen=True)
class Line:
    """One invoice line. `amount` is quantity x unit amount in minor units, before discounts
    and taxes (negative for a proration credit)."""

    amount: int
    period_start: Moment
    period_end: Moment
    description: str | None = None
    quantity: int | None = 1
    price: str | None = None
    # Defaults to the invoice subscription's item with this price, when there is one.
    subscription_item: str | None = None
    proration: bool = False
    discount_amount: int = 0
    # Defaults to the subscription's discount, else a fresh discount id.
    discount: str | None = None
    tax_amount: int = 0
    tax_rate: str | None = None


class DocumentBuilders(_Base):
    """Mixed into `StripeDataset`; each builder stores and returns the full Stripe object."""

    def add_invoice(
        self,
        *,
        customer: str,
        lines: Sequence[Line],
        created: Moment,
        status: str = "paid",
        currency: str | None = None,
        subscription: str | None = None,
        billing_reason: str | None = None,
        paid_at: Moment | None = None,
        voided_at: Moment | None = None,
        marked_uncollectible_at: Moment | None = None,
        collection_method: str = "charge_automatically",
        description: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A finalized (or draft) invoice whose totals are the sums of its lines."""
        if status not in INVOICE_STATUSES:
            raise ValueError(f"status must be one of {INVOICE_STATUSES}")
        owner = self.get("customers", customer)
        sub = self.get("subscriptions", subscription) if subscription else None
        created_at = to_epoch(created)
        currency = (currency or (sub["currency"] if sub else owner["currency"])).lower()
        invoice = self.template("invoice")
        invoice_id = self.new_id("in")
        line_objects = [self._invoice_line(invoice_id, currency, spec, sub) for spec in lines]
        invoice.update(sums(line_objects))
        invoice.update(
            id=invoice_id,
            customer=customer,
            created=created_at,
            currency=currency,
            customer_email=owner["email"],
            customer_name=owner["name"],
            description=description,
            metadata=dict(metadata or {}),
            billing_reason=billing_reason or ("subscription_cycle" if sub else "manual"),
            collection_method=collection_method,
            due_date=created_at + 30 * 86400 if collection_method == "send_invoice" else None,
            lines={
                "data": line_objects,
                "has_more": False,
                "object": "list",
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            parent=_invoice_parent(invoice["parent"], sub),
            webhooks_delivered_at=created_at,
            # Example values in the fixture that describe other invoices' circumstances.
            shipping_cost=None,
            from_invoice=None,
            last_finalization_error=None,
            amount_overpaid=0,
            automatically_finalizes_at=None,
        )
        invoice["period_start"], invoice["period_end"] = _invoice_period(invoice, sub)
        moments = {"paid": paid_at, "void": voided_at, "uncollectible": marked_uncollectible_at}
        self._apply_status(invoice, owner, status, moments.get(status))
        self.put("invoices", invoice)
        if sub is not None:
            self._note_latest_invoice(sub, invoice)
        return invoice

    def _apply_status(
        self, invoice: dict[str, Any], owner: dict[str, Any], status: str, moment: Moment | None
    ) -> None:
        created = invoice["created"]
        at = to_epoch(moment) if moment is not None else created
        finalized = status != "draft"
        automatic = invoice["collection_method"] == "charge_automatically"
        due = invoice["amount_due"]
        invoice.update(
            status=status,
            auto_advance=status in ("draft", "open"),
            amount_paid=due if status == "paid" else 0,
            amount_remaining=0 if status == "paid" else due,
            attempted=finalized and automatic,
            attempt_count=1 if finalized and automatic and due > 0 else 0,
            next_payment_attempt=(
                created + _PAYMENT_RETRY_SECONDS if status == "open" and automatic else None
            ),
            effective_at=created if finalized else None,
            ending_balance=min(invoice["total"], 0) if finalized else None,
            number=self._next_invoice_number(owner) if finalized else None,
        )
        invoice["status_transitions"].update(
            finalized_at=created if finalized else None,
            paid_at=at if status == "paid" else None,
            voided_at=at if status == "void" else None,
            marked_uncollectible_at=at if status == "uncollectible" else None,
        )

    def _next_invoice_number(self, owner: dict[str, Any]) -> str:
        with self.lock:
            sequence = owner["next_invoice_sequence"]
            owner["next_invoice_sequence"] = sequence + 1
        return f"{owner['invoice_prefix']}-{sequence:04d}"

    def _note_latest_invoice(self, sub: dict[str, Any], invoice: dict[str, Any]) -> None:
        latest = self.find("invoices", sub["latest_invoice"] or "")
        if latest is None or latest["created"] <= invoice["created"]:
            sub["latest_invoice"] = invoice["id"]

    def _invoice_line(
        self, invoice_id: str, currency: str, spec: Line, sub: dict[str, Any] | None
    ) -> dict[str, Any]:
        line = self.template("line_item")
        price = self.get("prices", spec.price) if spec.price else None
        item_id = spec.subscription_item
        if item_id is None and sub is not None and price is not None:
            item_id = _item_for_price(sub, price["id"])
        if item_id is not None and sub is None:
            raise ValueError("a subscription item line needs the invoice's subscription")
        discount_id = self._line_discount(spec, sub)
        line.update(
            id=self.new_id("il"),
            invoice=invoice_id,
            currency=currency,
            amount=spec.amount,
            subtotal=spec.amount,
            description=spec.description or (price["nickname"] if price else None) or "Item",
            quantity=spec.quantity,
            quantity_decimal=None if spec.quantity is None else str(spec.quantity),
            period={"end": to_epoch(spec.period_end), "start": to_epoch(spec.period_start)},
            metadata={},
            discounts=[discount_id] if discount_id else [],
            discount_amounts=(
                [{"amount": spec.discount_amount, "discount": discount_id}] if discount_id else []
            ),
            pretax_credit_amounts=_pretax_credits(spec.discount_amount, discount_id),
            taxes=self._line_taxes(spec),
            parent=self._line_parent(line["parent"], spec, sub, item_id),
            pricing=_pricing(line["pricing"], spec, price),
        )
        return line

    def _line_discount(self, spec: Line, sub: dict[str, Any] | None) -> str | None:
        if not spec.discount_amount:
            return None
        if spec.discount:
            return spec.discount
        if sub is not None and sub["discounts"]:
            return sub["discounts"][0]
        return self.new_id("di")

    def _line_taxes(self, spec: Line) -> list[dict[str, Any]]:
        if spec.tax_rate is None:
            if spec.tax_amount:
                raise ValueError("a taxed line needs its tax_rate")
            return []
        rate = self.get("tax_rates", spec.tax_rate)
        inclusive = rate["inclusive"]
        base = spec.amount - spec.discount_amount
        return [
            {
                "amount": spec.tax_amount,
                "tax_behavior": "inclusive" if inclusive else "exclusive",
                "tax_rate_details": {"tax_rate": rate["id"]},
                "taxability_reason": "standard_rated",
                "taxable_amount": base - spec.tax_amount if inclusive else base,
                "type": "tax_rate_details",
            }
        ]

    def _line_parent(
        self,
        parent: dict[str, Any],
        spec: Line,
        sub: dict[str, Any] | None,
        item_id: str | None,
    ) -> dict[str, Any]:
        if item_id is not None:
            assert sub is not None
            parent["subscription_item_details"].update(
                invoice_item=None,
                proration=spec.proration,
                proration_details={"credited_items": None},
                subscription=sub["id"],
                subscription_item=item_id,
            )
            parent.update(type="subscription_item_details", invoice_item_details=None)
            return parent
        parent["invoice_item_details"].update(
            invoice_item=self.new_id("ii"),
            proration=spec.proration,
            proration_details={"credited_items": None},
            subscription=sub["id"] if sub else None,
        )
        parent.update(type="invoice_item_details", subscription_item_details=None)
        return parent


def sums(lines: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Invoice (or credit note) totals from its lines: subtotal before discounts, exclusive
    taxes added on top, inclusive ones already inside the amounts."""
    subtotal = sum(line["amount"] for line in lines)
    discounts: dict[str, int] = {}
    taxes: dict[tuple[str, str], dict[str, Any]] = {}
    for line in lines:
        for item in line.get("discount_amounts") or []:
            discounts[item["discount"]] = discounts.get(item["discount"], 0) + item["amount"]
        for tax in line.get("taxes") or []:
            key = (tax["tax_rate_details"]["tax_rate"], tax["tax_behavior"])
            total_tax = taxes.setdefault(key, {**tax, "amount": 0, "taxable_amount": 0})
            total_tax["amount"] += tax["amount"]
            total_tax["taxable_amount"] += tax["taxable_amount"]
    excluding_tax = subtotal - sum(discounts.values())
    exclusive = sum(t["amount"] for t in taxes.values() if t["tax_behavior"] == "exclusive")
    total = excluding_tax + exclusive
    return {
        "subtotal": subtotal,
        "subtotal_excluding_tax": subtotal,
        "discounts": list(discounts),
        "total_discount_amounts": [{"amount": a, "discount": d} for d, a in discounts.items()],
        "total_pretax_credit_amounts": [
            credit for d, a in discounts.items() for credit in _pretax_credits(a, d)
        ],
        "total_taxes": list(taxes.values()),
        "total_excluding_tax": excluding_tax,
        "total": total,
        # A negative total (prorated credit) is owed to the customer, not charged.
        "amount_due": max(total, 0),
        "starting_balance": 0,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
    }


def _pretax_credits(amount: int, discount_id: str | None) -> list[dict[str, Any]]:
    if not amount or discount_id is None:
        return []
    return [
        {"amount": amount, "credit_balance_transaction": None, "discount": discount_id, "type": "discount"}
    ]


def _pricing(pricing: dict[str, Any], spec: Line, price: dict[str, Any] | None) -> dict[str, Any]:
    if price is not None:
        unit = price["unit_amount_decimal"]
        details = {"price": price["id"], "product": price["product"]}
    else:
        unit = str(Decimal(spec.amount) / (spec.quantity or 1))
        details = None
    pricing.update(type="price_details", price_details=details, unit_amount_decimal=unit)
    return pricing


def _invoice_parent(parent: dict[str, Any], sub: dict[str, Any] | None) -> dict[str, Any] | None:
    if sub is None:
        return None
    parent["subscription_details"].update(metadata=dict(sub["metadata"]), subscription=sub["id"])
    parent.update(type="subscription_details", quote_details=None)
    return parent


def _invoice_period(invoice: dict[str, Any], sub: dict[str, Any] | None) -> tuple[int, int]:
    """Stripe's invoice-level period is the window in which pending items were gathered: for
    a renewal, the interval that just ended; otherwise the creation instant. Service periods
    live on the lines."""
    created = invoice["created"]
    if sub is None or invoice["billing_reason"] != "subscription_cycle":
        return created, created
    recurring = sub["items"]["data"][0]["price"]["recurring"]
    return advance(created, recurring["interval"], -recurring["interval_count"]), created


def _item_for_price(sub: dict[str, Any], price_id: str) -> str | None:
    for item in sub["items"]["data"]:
        if item["price"]["id"] == price_id:
            return item["id"]
    return None
