"""Payments of paid invoices: the invoice_payment, its charge and the charge's balance transaction.

A paid invoice with money paid gets one `invoice_payment` (payment type `charge`), a `charge`
for `amount_paid` in the invoice's currency and a `balance_transaction` saying what the account
settled: in the invoice's currency (exchange_rate null) unless `settlement_rates` names a rate
from the invoice's currency into `settlement_currency`, as a Stripe account that settles in one
currency shows foreign charges. The settled amount is amount x rate in minor units, rounded half
up like Stripe's conversions; no fee is taken (the amount before fees is what Margint reads).
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import DatasetStore

    _Base = DatasetStore
else:
    _Base = object


class PaymentBuilders(_Base):
    settlement_currency: str = "usd"
    # {invoice currency: units of settlement_currency per unit}; empty: settle as charged.
    settlement_rates: dict[str, Decimal]
    # An account whose key may not read payments answers their reads with 403.
    payment_details_hidden: bool = False

    def add_invoice_payment(self, invoice: dict[str, Any]) -> dict[str, Any]:
        amount, currency = invoice["amount_paid"], invoice["currency"]
        rate = getattr(self, "settlement_rates", {}).get(currency)
        transaction = self.template("balance_transaction")
        charge = self.template("charge")
        # Ids derived from the invoice's, not drawn from the counter: adding payments leaves the
        # ids of every other object (which tests and data files name) as they were.
        charge_id, transaction_id = _derived_id("ch", invoice["id"]), _derived_id("txn", invoice["id"])
        settled = amount if rate is None else int((amount * rate).to_integral_value(ROUND_HALF_UP))
        paid_at = invoice["status_transitions"]["paid_at"] or invoice["created"]
        transaction.update(
            id=transaction_id,
            amount=settled,
            net=settled,
            fee=0,
            fee_details=[],
            currency=currency if rate is None else self.settlement_currency,
            exchange_rate=None if rate is None else float(rate),
            created=paid_at,
            available_on=paid_at,
            source=charge_id,
            description=f"Payment for Invoice {invoice['number']}",
        )
        charge.update(
            id=charge_id,
            amount=amount,
            amount_captured=amount,
            captured=True,
            currency=currency,
            customer=invoice["customer"],
            created=paid_at,
            balance_transaction=transaction_id,
            description=f"Payment for Invoice {invoice['number']}",
        )
        payment = self.template("invoice_payment")
        payment.update(
            id=_derived_id("inpay", invoice["id"]),
            invoice=invoice["id"],
            amount_paid=amount,
            amount_requested=amount,
            currency=currency,
            created=paid_at,
            status="paid",
            payment={"type": "charge", "charge": charge_id},
            status_transitions={"canceled_at": None, "paid_at": paid_at},
        )
        self.put("balance_transactions", transaction)
        self.put("charges", charge)
        return self.put("invoice_payments", payment)


def _derived_id(prefix: str, invoice_id: str) -> str:
    digest = hashlib.sha256(f"{prefix}:{invoice_id}".encode()).hexdigest()
    return f"{prefix}_{digest[:24]}"
