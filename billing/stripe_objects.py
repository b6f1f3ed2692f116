"""Plain, frozen views of the Stripe objects Margint reads, parsed from Stripe's JSON.

The gateway turns every response into these before it leaves `stripe_gateway.py`: nothing past
the gateway sees a StripeObject. Epoch seconds become aware UTC datetimes here; amounts stay in
Stripe's minor units with their currency. Both today's API shape (line `parent`, `pricing`,
`taxes`; discount `source.coupon`) and the older one (line `price`, `tax_amounts`, discount
`coupon`) are read, because an account's webhook endpoint may be pinned to an older version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

Json = dict[str, Any]


def from_epoch(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value), tz=UTC)


def _id(value: str | Json | None) -> str | None:
    """An expandable field: the id whether Stripe sent the id or the expanded object."""
    if isinstance(value, dict):
        return value.get("id")
    return value


@dataclass(frozen=True)
class CustomerData:
    stripe_id: str
    name: str
    email: str
    metadata: dict[str, str]
    deleted: bool
    created: datetime | None


@dataclass(frozen=True)
class DiscountData:
    """A discount with its coupon resolved; `percent_off` is a decimal string (exact)."""

    duration: str
    percent_off: str | None
    amount_off: int | None
    currency: str | None
    end: datetime | None


@dataclass(frozen=True)
class SubscriptionItemData:
    stripe_id: str
    price_id: str
    product_id: str
    nickname: str
    currency: str
    # None for tiered prices: they cannot be priced without usage.
    unit_amount_decimal: Decimal | None
    interval: str
    interval_count: int
    usage_type: str
    quantity: int
    discounts: tuple[DiscountData, ...]


@dataclass(frozen=True)
class SubscriptionData:
    stripe_id: str
    customer_id: str
    status: str
    currency: str
    created: datetime
    current_period_start: datetime | None
    current_period_end: datetime | None
    trial_end: datetime | None
    canceled_at: datetime | None
    discounts: tuple[DiscountData, ...]
    items: tuple[SubscriptionItemData, ...]
    items_has_more: bool = False


@dataclass(frozen=True)
class InvoiceLineData:
    stripe_id: str
    amount: int
    discount_amounts: tuple[int, ...]
    # (amount, tax_behavior) per tax entry.
    taxes: tuple[tuple[int, str], ...]
    period_start: datetime | None
    period_end: datetime | None
    proration: bool
    price_id: str
    subscription_item_id: str
    description: str
    quantity: int | None
    # The price's product: what margin by plan groups prices under ("" for a line without price).
    product_id: str = ""


@dataclass(frozen=True)
class SettlementData:
    """What Stripe settled for an invoice's payments: the balance transactions' `amount` (before
    fees) in the account's `currency`, for `charged` minor units of the invoice's currency.
    `exchange_rate` is Stripe's, a decimal string, None when no conversion happened."""

    charged: int
    amount: int
    currency: str
    exchange_rate: str | None


@dataclass(frozen=True)
class InvoiceData:
    stripe_id: str
    customer_id: str
    subscription_id: str
    status: str
    currency: str
    created: datetime
    paid_at: datetime | None
    total: int
    total_excluding_tax: int | None
    amount_paid: int
    amount_remaining: int
    attempt_count: int
    billing_reason: str
    number: str
    lines: tuple[InvoiceLineData, ...]
    lines_has_more: bool = False
    # Stripe copies these onto the invoice: names a customer deleted before its first sync.
    customer_name: str = ""
    customer_email: str = ""
    # Read by the gateway for paid invoices that need converting; None when not read or unknown.
    settlement: SettlementData | None = None


@dataclass(frozen=True)
class CreditNoteData:
    stripe_id: str
    customer_id: str
    invoice_id: str
    status: str
    currency: str
    created: datetime
    effective_at: datetime | None
    total: int
    total_excluding_tax: int | None
    total_taxes: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class EventData:
    stripe_id: str
    type: str
    created: datetime
    object: Json
    previous_attributes: Json | None


def parse_customer(obj: Json) -> CustomerData:
    return CustomerData(
        stripe_id=obj["id"],
        name=obj.get("name") or "",
        email=obj.get("email") or "",
        metadata=dict(obj.get("metadata") or {}),
        deleted=bool(obj.get("deleted")),
        created=from_epoch(obj.get("created")),
    )


def parse_discount(obj: str | Json) -> DiscountData | None:
    """None when the coupon is not in the payload (an unexpanded id): it cannot be priced."""
    if not isinstance(obj, dict):
        return None
    coupon = obj.get("coupon") or (obj.get("source") or {}).get("coupon")
    if not isinstance(coupon, dict):
        return None
    percent = coupon.get("percent_off")
    return DiscountData(
        duration=coupon.get("duration") or "once",
        # Stripe sends percent_off as a JSON number; str() keeps 25.5 as "25.5", not a binary float.
        percent_off=None if percent is None else str(Decimal(str(percent))),
        amount_off=coupon.get("amount_off"),
        currency=coupon.get("currency"),
        end=from_epoch(obj.get("end")),
    )


def _discounts(values: list[Any] | None) -> tuple[DiscountData, ...]:
    parsed = (parse_discount(value) for value in values or [])
    return tuple(discount for discount in parsed if discount is not None)


def parse_subscription_item(obj: Json) -> SubscriptionItemData:
    price = obj.get("price") or {}
    recurring = price.get("recurring") or {}
    unit = price.get("unit_amount_decimal")
    tiered = price.get("billing_scheme") == "tiered"
    return SubscriptionItemData(
        stripe_id=obj["id"],
        price_id=price.get("id") or "",
        product_id=_id(price.get("product")) or "",
        nickname=price.get("nickname") or "",
        currency=price.get("currency") or "",
        unit_amount_decimal=None if tiered or unit is None else Decimal(str(unit)),
        interval=recurring.get("interval") or "month",
        interval_count=int(recurring.get("interval_count") or 1),
        usage_type=recurring.get("usage_type") or "licensed",
        # Metered items carry no quantity.
        quantity=int(obj.get("quantity") or 0),
        discounts=_discounts(obj.get("discounts")),
    )


def parse_subscription(obj: Json) -> SubscriptionData:
    items = obj.get("items") or {}
    parsed_items = tuple(parse_subscription_item(item) for item in items.get("data") or [])
    first = parsed_items[0] if parsed_items else None
    # Since 2025 the billing period lives on the items; older versions keep it on the subscription.
    start = obj.get("current_period_start") or (items.get("data") or [{}])[0].get("current_period_start")
    end = obj.get("current_period_end") or (items.get("data") or [{}])[0].get("current_period_end")
    return SubscriptionData(
        stripe_id=obj["id"],
        customer_id=_id(obj.get("customer")) or "",
        status=obj.get("status") or "",
        currency=obj.get("currency") or (first.currency if first else ""),
        created=from_epoch(obj["created"]),
        current_period_start=from_epoch(start),
        current_period_end=from_epoch(end),
        trial_end=from_epoch(obj.get("trial_end")),
        canceled_at=from_epoch(obj.get("canceled_at")),
        discounts=_discounts(obj.get("discounts")),
        items=parsed_items,
        items_has_more=bool(items.get("has_more")),
    )


def _line_parent_details(obj: Json) -> Json:
    parent = obj.get("parent") or {}
    return parent.get("subscription_item_details") or parent.get("invoice_item_details") or {}


def _line_taxes(obj: Json) -> tuple[tuple[int, str], ...]:
    if obj.get("taxes") is not None:
        return tuple((int(tax["amount"]), tax.get("tax_behavior") or "exclusive") for tax in obj["taxes"])
    # Older API versions: tax_amounts with an `inclusive` flag.
    return tuple(
        (int(tax["amount"]), "inclusive" if tax.get("inclusive") else "exclusive")
        for tax in obj.get("tax_amounts") or []
    )


def _line_price_id(obj: Json) -> str:
    details = (obj.get("pricing") or {}).get("price_details") or {}
    return details.get("price") or _id(obj.get("price")) or ""


def _line_product_id(obj: Json) -> str:
    # Today's shape names the product beside the price; older versions embed the price object.
    details = (obj.get("pricing") or {}).get("price_details") or {}
    price = obj.get("price") if isinstance(obj.get("price"), dict) else {}
    return _id(details.get("product")) or _id(price.get("product")) or ""


def parse_invoice_line(obj: Json) -> InvoiceLineData:
    details = _line_parent_details(obj)
    period = obj.get("period") or {}
    return InvoiceLineData(
        stripe_id=obj["id"],
        amount=int(obj["amount"]),
        discount_amounts=tuple(int(d["amount"]) for d in obj.get("discount_amounts") or []),
        taxes=_line_taxes(obj),
        period_start=from_epoch(period.get("start")),
        period_end=from_epoch(period.get("end")),
        proration=bool(details.get("proration", obj.get("proration", False))),
        price_id=_line_price_id(obj),
        subscription_item_id=details.get("subscription_item") or "",
        description=obj.get("description") or "",
        quantity=obj.get("quantity"),
        product_id=_line_product_id(obj),
    )


def _invoice_subscription(obj: Json) -> str:
    parent = obj.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return _id(details.get("subscription")) or _id(obj.get("subscription")) or ""


def parse_invoice(obj: Json) -> InvoiceData:
    """The invoice with the lines embedded in `obj`; `lines_has_more` says whether to page on."""
    lines = obj.get("lines") or {}
    transitions = obj.get("status_transitions") or {}
    return InvoiceData(
        stripe_id=obj["id"],
        customer_id=_id(obj.get("customer")) or "",
        subscription_id=_invoice_subscription(obj),
        status=obj.get("status") or "",
        currency=obj["currency"],
        created=from_epoch(obj["created"]),
        paid_at=from_epoch(transitions.get("paid_at")),
        total=int(obj.get("total") or 0),
        total_excluding_tax=obj.get("total_excluding_tax"),
        amount_paid=int(obj.get("amount_paid") or 0),
        amount_remaining=int(obj.get("amount_remaining") or 0),
        attempt_count=int(obj.get("attempt_count") or 0),
        billing_reason=obj.get("billing_reason") or "",
        number=obj.get("number") or "",
        lines=tuple(parse_invoice_line(line) for line in lines.get("data") or []),
        lines_has_more=bool(lines.get("has_more")),
        customer_name=obj.get("customer_name") or "",
        customer_email=obj.get("customer_email") or "",
    )


def invoice_payment_charge(obj: Json) -> str | None:
    """The charge of a paid invoice_payment: `payment.charge`, or its payment intent's latest charge."""
    if obj.get("status") != "paid":
        return None
    payment = obj.get("payment") or {}
    if payment.get("charge"):
        return _id(payment["charge"])
    intent = payment.get("payment_intent")
    return _id(intent.get("latest_charge")) if isinstance(intent, dict) else None


def parse_charge_settlement(charge: Json) -> SettlementData | None:
    """A charge with its `balance_transaction` expanded; None when Stripe did not give it."""
    transaction = charge.get("balance_transaction")
    if not isinstance(transaction, dict) or transaction.get("amount") is None:
        return None
    rate = transaction.get("exchange_rate")
    return SettlementData(
        charged=int(charge["amount"]),
        amount=int(transaction["amount"]),
        currency=str(transaction["currency"]).lower(),
        exchange_rate=None if rate is None else str(rate),
    )


def parse_credit_note(obj: Json) -> CreditNoteData:
    return CreditNoteData(
        stripe_id=obj["id"],
        customer_id=_id(obj.get("customer")) or "",
        invoice_id=_id(obj.get("invoice")) or "",
        status=obj.get("status") or "",
        currency=obj["currency"],
        created=from_epoch(obj["created"]),
        effective_at=from_epoch(obj.get("effective_at")),
        total=int(obj.get("total") or 0),
        total_excluding_tax=obj.get("total_excluding_tax"),
        total_taxes=tuple(int(tax["amount"]) for tax in obj.get("total_taxes") or []),
        reason=obj.get("reason") or "",
    )


def parse_event(obj: Json) -> EventData:
    data = obj.get("data") or {}
    return EventData(
        stripe_id=obj["id"],
        type=obj.get("type") or "",
        created=from_epoch(obj["created"]),
        object=dict(data.get("object") or {}),
        previous_attributes=data.get("previous_attributes"),
    )
