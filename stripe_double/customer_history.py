"""One demo customer's billing history: subscription, an invoice per cycle, events."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .credit_notes import CreditLine
from .dataset import StripeDataset
from .documents import Line
from .periods import advance

DAY = 86400
TAG_KEY = "margint_customer"


@dataclass(frozen=True)
class Catalog:
    starter: dict[str, Any]
    pro: dict[str, Any]
    team: dict[str, Any]
    pro_eur: dict[str, Any]
    usage: dict[str, Any]
    onboarding: dict[str, Any]
    sales_tax: dict[str, Any]
    vat: dict[str, Any]


@dataclass(frozen=True)
class Profile:
    name: str
    slug: str
    email: str
    fate: str
    plan: str
    seats: int
    signup: int
    metered: bool
    discount: bool
    taxed: bool
    tag_style: str


def percent_of(amount: int, percent: Decimal) -> int:
    """`percent`% of a minor-unit amount, half up: the one place the scenarios round."""
    return int((Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class CustomerHistory:
    """Builds one customer's history: subscription, an invoice per billing cycle, events."""

    def __init__(
        self, dataset: StripeDataset, rng: random.Random, catalog: Catalog, profile: Profile, end: int
    ) -> None:
        self.dataset, self.rng, self.catalog, self.profile, self.end = dataset, rng, catalog, profile, end
        self.price = getattr(catalog, profile.plan)
        recurring = self.price["recurring"]
        self.interval, self.count = recurring["interval"], recurring["interval_count"]

    def run(self) -> None:
        customer = self._customer()
        if self.profile.fate == "manual":
            self._manual_invoice(customer)
            return
        cycles = self._cycles()
        subscription = self._subscription(customer, cycles)
        self._invoices(customer, subscription, cycles)
        if self.profile.fate == "deleted":
            deleted_at = min(subscription["canceled_at"] + 7 * DAY, self.end)
            self.dataset.add_event(type="customer.deleted", obj=customer, created=deleted_at)
            self.dataset.delete_customer(customer["id"])

    def _customer(self) -> dict[str, Any]:
        profile = self.profile
        metadata = {TAG_KEY: profile.slug} if profile.tag_style == "metadata" else {}
        if self.rng.random() < 0.2:
            metadata["segment"] = self.rng.choice(("smb", "mid-market", "enterprise"))
        customer = self.dataset.add_customer(
            created=profile.signup - self.rng.randint(0, 3 * DAY),
            name=profile.name,
            email=profile.email,
            metadata=metadata,
            currency="eur" if profile.plan == "pro_eur" else "usd",
        )
        tag = {"metadata": profile.slug, "name": profile.slug, "stripe_id": customer["id"]}
        if profile.tag_style in tag:
            self.dataset.external_tags[customer["id"]] = tag[profile.tag_style]
        self.dataset.add_event(type="customer.created", obj=customer, created=customer["created"])
        return customer

    def _cycles(self) -> list[int]:
        """Starts of the billing cycles up to `end`; a trial delays the first by 14 days."""
        start = self.profile.signup + (14 * DAY if self.profile.fate == "trial" else 0)
        cycles = []
        while start <= self.end:
            cycles.append(start)
            start = advance(start, self.interval, self.count)
        return cycles

    def _subscription(self, customer: dict[str, Any], cycles: list[int]) -> dict[str, Any]:
        profile = self.profile
        price = self.catalog.pro if profile.fate == "upgrade" else self.price
        items = [(price["id"], profile.seats)]
        if profile.metered:
            items.append((self.catalog.usage["id"], 1))
        status, canceled_at = "active", None
        if profile.fate in ("canceled", "deleted") and len(cycles) >= 3:
            status, canceled_at = "canceled", cycles[-1] if profile.fate == "canceled" else cycles[2]
        elif profile.fate == "past_due" and cycles:
            status = "past_due"
        elif profile.fate == "trial" and not cycles:
            status = "trialing"
        billed = [start for start in cycles if canceled_at is None or start < canceled_at]
        period_start = billed[-1] if billed else profile.signup
        return self.dataset.add_subscription(
            customer=customer["id"],
            items=items,
            created=profile.signup,
            status=status,
            current_period_start=period_start,
            current_period_end=advance(period_start, self.interval, self.count)
            if billed
            else profile.signup + 14 * DAY,
            trial_end=profile.signup + 14 * DAY if profile.fate == "trial" else None,
            canceled_at=canceled_at,
            discount=profile.discount,
        )

    def _invoices(self, customer: dict[str, Any], sub: dict[str, Any], cycles: list[int]) -> None:
        fate = self.profile.fate
        if fate == "trial":
            self._trial_invoice(customer, sub)
        billed = [start for start in cycles if sub["canceled_at"] is None or start < sub["canceled_at"]]
        for number, start in enumerate(billed):
            upgraded = fate == "upgrade" and number >= 2
            price = self.catalog.pro if upgraded else self.price
            previous = billed[number - 1] if number else None
            reason = "subscription_create" if number == 0 and fate != "trial" else "subscription_cycle"
            status = "open" if fate == "past_due" and number == len(billed) - 1 else "paid"
            if fate == "void" and number == 1:
                self._invoice(customer, sub, start, price, previous, reason, status="void")
                start += 2 * DAY
            invoice = self._invoice(customer, sub, start, price, previous, reason, status=status)
            if fate == "upgrade" and number == 1:
                self._upgrade(customer, sub, start)
            if fate == "refund" and number == 1:
                self._refund(invoice)

    def _invoice(
        self,
        customer: dict[str, Any],
        sub: dict[str, Any],
        start: int,
        price: dict[str, Any],
        previous: int | None,
        reason: str,
        *,
        status: str,
    ) -> dict[str, Any]:
        end = advance(start, self.interval, self.count)
        plan_item = sub["items"]["data"][0]["id"]  # an upgrade changes the price, not the item
        lines = [self._line(price, self.profile.seats, start, end, subscription_item=plan_item)]
        if self.profile.metered and previous is not None:
            # Usage is billed in arrears, for the cycle that just ended.
            lines.append(self._line(self.catalog.usage, self.rng.randint(2_000, 90_000), previous, start))
        invoice = self.dataset.add_invoice(
            customer=customer["id"],
            subscription=sub["id"],
            created=start,
            status=status,
            paid_at=min(start + self.rng.randint(60, 7200), self.end) if status == "paid" else None,
            voided_at=start + 2 * DAY if status == "void" else None,
            billing_reason=reason,
            lines=lines,
        )
        if status == "paid":
            paid_at = invoice["status_transitions"]["paid_at"]
            self.dataset.add_event(type="invoice.paid", obj=invoice, created=paid_at)
        return invoice

    def _line(
        self, price: dict[str, Any], quantity: int, start: int, end: int, *, amount: int | None = None,
        proration: bool = False, subscription_item: str | None = None, description: str | None = None,
    ) -> Line:  # fmt: skip
        gross = price["unit_amount"] * quantity if amount is None else amount
        discount = percent_of(gross, Decimal(20)) if self.profile.discount and gross > 0 else 0
        rate = self.catalog.vat if price["currency"] == "eur" else self.catalog.sales_tax
        tax = percent_of(gross - discount, Decimal(str(rate["percentage"]))) if self.profile.taxed else 0
        return Line(
            amount=gross,
            period_start=start,
            period_end=end,
            description=description or f"{quantity} × {price['nickname']}",
            quantity=quantity,
            price=price["id"],
            subscription_item=subscription_item,
            proration=proration,
            discount_amount=discount,
            tax_amount=tax,
            tax_rate=rate["id"] if self.profile.taxed else None,
        )

    def _trial_invoice(self, customer: dict[str, Any], sub: dict[str, Any]) -> None:
        signup = self.profile.signup
        line = self._line(self.price, self.profile.seats, signup, signup + 14 * DAY, amount=0,
                          subscription_item=sub["items"]["data"][0]["id"],
                          description=f"Trial period for {self.price['nickname']}")  # fmt: skip
        self.dataset.add_invoice(
            customer=customer["id"], subscription=sub["id"], created=signup, status="paid",
            paid_at=signup, billing_reason="subscription_create", lines=[line],
        )  # fmt: skip

    def _upgrade(self, customer: dict[str, Any], sub: dict[str, Any], cycle_start: int) -> None:
        """Starter -> Pro mid-cycle, invoiced at once: credit for unused Starter time, charge
        for the rest of the cycle on Pro, both on the subscription's one item."""
        cycle_end = advance(cycle_start, self.interval, self.count)
        changed = cycle_start + (cycle_end - cycle_start) // 2
        if changed > self.end:
            return
        share = Decimal(cycle_end - changed) / Decimal(cycle_end - cycle_start)
        item = sub["items"]["data"][0]["id"]
        starter, pro = self.catalog.starter, self.catalog.pro
        lines = [
            self._line(starter, 1, changed, cycle_end, amount=-percent_of(4900, share * 100),
                       proration=True, subscription_item=item,
                       description=f"Unused time on {starter['nickname']}"),
            self._line(pro, 1, changed, cycle_end, amount=percent_of(19900, share * 100),
                       proration=True, subscription_item=item,
                       description=f"Remaining time on {pro['nickname']}"),
        ]  # fmt: skip
        self.dataset.add_invoice(
            customer=customer["id"], subscription=sub["id"], created=changed, status="paid",
            paid_at=min(changed + 60, self.end), billing_reason="subscription_update", lines=lines,
        )  # fmt: skip

    def _refund(self, invoice: dict[str, Any]) -> None:
        """Half of the plan line refunded a week after payment, with its share of tax."""
        line = invoice["lines"]["data"][0]
        taxed = line["taxes"][0]["amount"] if line["taxes"] else 0
        credit = CreditLine(amount=line["amount"] // 2, invoice_line_item=line["id"], tax_amount=taxed // 2)
        created = min(invoice["created"] + 7 * DAY, self.end)
        note = self.dataset.add_credit_note(
            invoice=invoice["id"], created=created, lines=[credit], reason="product_unsatisfactory"
        )
        self.dataset.add_event(type="credit_note.created", obj=note, created=created)

    def _manual_invoice(self, customer: dict[str, Any]) -> None:
        """No subscription: one onboarding invoice, sent and paid by bank transfer."""
        signup = self.profile.signup
        price = self.catalog.onboarding
        line = Line(amount=price["unit_amount"], period_start=signup, period_end=signup,
                    description=price["nickname"], price=price["id"])  # fmt: skip
        self.dataset.add_invoice(
            customer=customer["id"], created=signup, status="paid", paid_at=min(signup + 5 * DAY, self.end),
            billing_reason="manual", collection_method="send_invoice", lines=[line],
        )  # fmt: skip
