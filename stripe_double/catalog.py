"""Builders for customers, prices, tax rates and subscriptions."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .periods import Moment, advance, to_epoch

if TYPE_CHECKING:
    from .store import DatasetStore

    _Base = DatasetStore
else:
    _Base = object

INTERVALS = ("day", "week", "month", "year")
USAGE_TYPES = ("licensed", "metered")
SUBSCRIPTION_STATUSES = (
    "active",
    "past_due",
    "trialing",
    "canceled",
    "unpaid",
    "incomplete",
    "incomplete_expired",
    "paused",
)


class CatalogBuilders(_Base):
    """Mixed into `StripeDataset`; each builder stores and returns the full Stripe object."""

    def add_customer(
        self,
        *,
        created: Moment,
        name: str | None = None,
        email: str | None = None,
        metadata: Mapping[str, str] | None = None,
        currency: str = "usd",
        description: str | None = None,
        external_tag: str | None = None,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """A customer; `deleted=True` stores it and returns the stub Stripe serves for it."""
        customer = self.template("customer")
        customer_id = self.new_id("cus")
        customer.update(
            id=customer_id,
            created=to_epoch(created),
            name=name,
            email=email,
            description=description,
            currency=currency.lower(),
            metadata=dict(metadata or {}),
            discount=None,  # the fixture's discount is an example, not this customer's coupon
            invoice_prefix=hashlib.sha256(customer_id.encode()).hexdigest()[:7].upper(),
            next_invoice_sequence=1,
        )
        self.put("customers", customer)
        if external_tag:
            self.external_tags[customer_id] = external_tag
        if deleted:
            return self.delete_customer(customer_id)
        return customer

    def delete_customer(self, customer_id: str) -> dict[str, Any]:
        """Mark a customer deleted: lists skip it and retrieving it answers the deleted stub.
        Its subscriptions are left as built (Stripe cancels them; pass status="canceled")."""
        self.get("customers", customer_id)
        with self.lock:
            self.deleted_customers.add(customer_id)
        return self.deleted_customer_stub(customer_id)

    def deleted_customer_stub(self, customer_id: str) -> dict[str, Any]:
        stub = self.template("deleted_customer")
        stub["id"] = customer_id
        return stub

    def add_price(
        self,
        *,
        unit_amount: int,
        created: Moment,
        currency: str = "usd",
        interval: str | None = "month",
        interval_count: int = 1,
        usage_type: str = "licensed",
        nickname: str | None = None,
        product: str | None = None,
        lookup_key: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A price in minor units; `interval=None` makes a one-time price."""
        if interval is not None and interval not in INTERVALS:
            raise ValueError(f"interval must be one of {INTERVALS}")
        if usage_type not in USAGE_TYPES:
            raise ValueError(f"usage_type must be one of {USAGE_TYPES}")
        price = self.template("price")
        price.update(
            id=self.new_id("price"),
            created=to_epoch(created),
            currency=currency.lower(),
            unit_amount=unit_amount,
            unit_amount_decimal=str(unit_amount),
            nickname=nickname,
            product=product or self.new_id("prod"),
            lookup_key=lookup_key,
            metadata=dict(metadata or {}),
            custom_unit_amount=None,
            # The fixture's transform_quantity would divide every quantity: not this price.
            transform_quantity=None,
        )
        if interval is None:
            price.update(type="one_time", recurring=None)
        else:
            meter = self.new_id("mtr") if usage_type == "metered" else None
            price["recurring"].update(
                interval=interval,
                interval_count=interval_count,
                usage_type=usage_type,
                meter=meter,
                trial_period_days=None,
            )
        return self.put("prices", price)

    def add_tax_rate(
        self,
        *,
        percentage: int | str | Decimal,
        created: Moment,
        display_name: str = "VAT",
        country: str | None = None,
        state: str | None = None,
        inclusive: bool = False,
        tax_type: str = "vat",
        description: str | None = None,
    ) -> dict[str, Any]:
        """A percentage tax rate; lines reference it from their `taxes`."""
        rate = self.template("tax_rate")
        number = _json_number(percentage)
        rate.update(
            id=self.new_id("txr"),
            created=to_epoch(created),
            percentage=number,
            effective_percentage=number,
            display_name=display_name,
            description=description,
            country=country,
            state=state,
            jurisdiction=state or country,
            jurisdiction_level=("state" if state else "country") if country else None,
            inclusive=inclusive,
            tax_type=tax_type,
            flat_amount=None,
            rate_type="percentage",
        )
        return self.put("tax_rates", rate)

    def add_subscription(
        self,
        *,
        customer: str,
        items: Sequence[tuple[str, int]],
        created: Moment,
        status: str = "active",
        current_period_start: Moment | None = None,
        current_period_end: Moment | None = None,
        trial_end: Moment | None = None,
        canceled_at: Moment | None = None,
        discount: bool = False,
        metadata: Mapping[str, str] | None = None,
        collection_method: str = "charge_automatically",
        cancel_at_period_end: bool = False,
    ) -> dict[str, Any]:
        """A subscription with `items` as (price id, quantity); the period defaults to one
        interval of the first price from `created`. `discount=True` attaches one discount id,
        which invoice lines of this subscription use for their `discount_amounts`."""
        if status not in SUBSCRIPTION_STATUSES:
            raise ValueError(f"status must be one of {SUBSCRIPTION_STATUSES}")
        self.get("customers", customer)
        prices = [self.get("prices", price_id) for price_id, _ in items]
        if not prices or any(price["recurring"] is None for price in prices):
            raise ValueError("a subscription needs at least one recurring price")
        created_at = to_epoch(created)
        recurring = prices[0]["recurring"]
        start = to_epoch(current_period_start) if current_period_start is not None else created_at
        end = (
            to_epoch(current_period_end)
            if current_period_end is not None
            else advance(start, recurring["interval"], recurring["interval_count"])
        )
        subscription = self.template("subscription")
        subscription_id = self.new_id("sub")
        subscription_items = [
            self._subscription_item(subscription_id, price, quantity, created_at, start, end)
            for price, (_, quantity) in zip(prices, items, strict=True)
        ]
        subscription.update(
            id=subscription_id,
            customer=customer,
            created=created_at,
            start_date=created_at,
            billing_cycle_anchor=start,
            billing_cycle_anchor_config=None,
            currency=prices[0]["currency"],
            status=status,
            metadata=dict(metadata or {}),
            discounts=[self.new_id("di")] if discount else [],
            items={
                "data": subscription_items,
                "has_more": False,
                "object": "list",
                "url": f"/v1/subscription_items?subscription={subscription_id}",
            },
            latest_invoice=None,
            collection_method=collection_method,
            days_until_due=30 if collection_method == "send_invoice" else None,
            cancel_at=end if cancel_at_period_end else None,
            cancel_at_period_end=cancel_at_period_end,
            # The fixture's example shows every lifecycle date at once; keep only this state's.
            canceled_at=None,
            ended_at=None,
            trial_start=None,
            trial_end=None,
            next_pending_invoice_item_invoice=None,
            pause_collection=None,
            pending_update=None,
            pending_invoice_item_interval=None,
            transfer_data=None,
            billing_thresholds=None,
            billing_schedules=[],
            managed_payments={"enabled": False},
        )
        subscription["cancellation_details"].update(comment=None, feedback=None, reason=None)
        self._apply_lifecycle(subscription, status, trial_end, canceled_at, end)
        return self.put("subscriptions", subscription)

    def _apply_lifecycle(
        self,
        subscription: dict[str, Any],
        status: str,
        trial_end: Moment | None,
        canceled_at: Moment | None,
        period_end: int,
    ) -> None:
        # A trial's dates stay on the subscription after the trial is over.
        if status == "trialing" or trial_end is not None:
            subscription["trial_start"] = subscription["created"]
            subscription["trial_end"] = to_epoch(trial_end) if trial_end is not None else period_end
        if status == "canceled":
            ended = to_epoch(canceled_at) if canceled_at is not None else period_end
            subscription.update(canceled_at=ended, ended_at=ended)
            subscription["cancellation_details"]["reason"] = "cancellation_requested"

    def _subscription_item(
        self,
        subscription_id: str,
        price: dict[str, Any],
        quantity: int,
        created: int,
        start: int,
        end: int,
    ) -> dict[str, Any]:
        item = self.template("subscription_item")
        metered = price["recurring"]["usage_type"] == "metered"
        item.update(
            id=self.new_id("si"),
            created=created,
            price=copy.deepcopy(price),
            plan=_plan_from_price(item["plan"], price),
            quantity=None if metered else quantity,  # metered items bill usage, not quantity
            subscription=subscription_id,
            current_period_start=start,
            current_period_end=end,
            billing_thresholds=None,
            discounts=[],
            metadata={},
            tax_rates=[],
        )
        return item


def _plan_from_price(plan: dict[str, Any], price: dict[str, Any]) -> dict[str, Any]:
    """The legacy `plan` mirror Stripe still embeds in subscription items."""
    recurring = price["recurring"]
    plan.update(
        id=price["id"],
        active=price["active"],
        amount=price["unit_amount"],
        amount_decimal=price["unit_amount_decimal"],
        billing_scheme="per_unit",
        created=price["created"],
        currency=price["currency"],
        interval=recurring["interval"],
        interval_count=recurring["interval_count"],
        livemode=False,
        metadata={},
        meter=recurring["meter"],
        nickname=price["nickname"],
        product=price["product"],
        tiers_mode=None,
        transform_usage=None,
        trial_period_days=None,
        usage_type=recurring["usage_type"],
    )
    return plan


def _json_number(value: int | str | Decimal) -> int | float:
    """Stripe sends percentages as JSON numbers (19, 8.875)."""
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)
