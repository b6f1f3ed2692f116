"""The one module that talks to Stripe (the only import of `stripe` in Margint).

A `StripeGateway` wraps a `stripe.StripeClient` for one organization's key, pointed at
settings.STRIPE_API_BASE, with a client timeout and the library's own network retries. On top of
those it retries rate limits (429), server errors (5xx), dropped connections and unreadable
bodies with its own exponential backoff, because the library retries a 429 only when Stripe
sends `Stripe-Should-Retry` and never retries a body cut short. What leaves this module are the
frozen dataclasses of `billing.stripe_objects` and the exceptions below, never StripeObjects.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import orjson
import stripe
from django.conf import settings

from billing.stripe_objects import (
    CreditNoteData,
    CustomerData,
    EventData,
    InvoiceData,
    InvoiceLineData,
    SettlementData,
    SubscriptionData,
    invoice_payment_charge,
    parse_charge_settlement,
    parse_credit_note,
    parse_customer,
    parse_event,
    parse_invoice,
    parse_invoice_line,
    parse_subscription,
    parse_subscription_item,
)
from margint import jsonbody

T = TypeVar("T")
PAGE_SIZE = 100
WEBHOOK_TOLERANCE_SECONDS = 300
# Four levels is Stripe's expansion limit; the coupon prices the discount for MRR.
_SUBSCRIPTION_EXPAND = ["data.discounts.source.coupon"]


class GatewayError(Exception):
    """Base of everything the gateway raises; the message is safe to store and show."""


class StripeAuthFailed(GatewayError):
    """The key was rejected (401) or lacks a permission (403)."""


class StripeUnavailable(GatewayError):
    """Rate limits, server errors or network failures outlasted every retry."""


class StripeRequestFailed(GatewayError):
    """Stripe refused the request itself (400, 404)."""


class StripeNotFound(StripeRequestFailed):
    """The object does not exist (any more): a deleted draft invoice, a purged customer."""


class WebhookSignatureInvalid(GatewayError):
    """Missing, wrong or stale Stripe-Signature."""


class WebhookPayloadInvalid(GatewayError):
    """A correctly signed body that is not a Stripe event Margint can read."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    has_more: bool
    # The cursor for the next page (`starting_after`): the id of the last object of this one.
    last_id: str | None


@dataclass(frozen=True)
class RetryPolicy:
    retries: int
    backoff_seconds: float
    max_backoff_seconds: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff_seconds)
        base = min(self.backoff_seconds * 2**attempt, self.max_backoff_seconds)
        # Jitter keeps many workers that hit one rate limit from retrying in step.
        return base * random.uniform(0.5, 1.0)


def _retry_policy() -> RetryPolicy:
    return RetryPolicy(
        retries=settings.STRIPE_RETRIES,
        backoff_seconds=settings.STRIPE_RETRY_BACKOFF_SECONDS,
    )


class StripeGateway:
    """Reads of one Stripe account. Construct with the account's (decrypted) key."""

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base or settings.STRIPE_API_BASE},
            max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        )
        self._retry = retry or _retry_policy()
        self._sleep = sleep

    # -- the retrying call ---------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET through the library's requestor (auth, version, its retries, its error classes),
        answered as parsed JSON: building StripeObjects for thousands of invoices costs more
        than the request, and nothing past this module may see them anyway."""
        attempt = 0
        while True:
            try:
                return _translated(lambda: self._get_json(path, params or {}))
            except _Transient as transient:
                if attempt >= self._retry.retries:
                    raise StripeUnavailable(transient.message) from transient
                self._sleep(self._retry.delay(attempt, transient.retry_after))
                attempt += 1

    def _get_json(self, path: str, params: dict[str, Any]) -> Any:
        """One request, its body read by orjson: `raw_request` reads every body with the standard
        parser into OrderedDicts, a third of the sync's own CPU on a large account. Anything but
        a readable 2xx body goes through the library's own reading, which raises its error."""
        requestor = self._client._requestor  # stripe 16's requestor, as raw_request uses it
        body, code, headers = requestor.request_raw(
            "get", path, params=params, base_address="api", api_mode="V1", usage=["raw_request"]
        )
        if 200 <= code < 300:
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError:
                pass  # cut short, or a number orjson refuses: the library decides
        return requestor._interpret_response(body, code, headers, "V1").data

    def _page(self, path: str, params: dict[str, Any], parse: Callable[[dict[str, Any]], T]) -> Page[T]:
        listed = self._get(path, params)
        raw = listed.get("data") or []
        items = tuple(parse(obj) for obj in raw)
        return Page(items, bool(listed.get("has_more")), raw[-1]["id"] if raw else None)

    # -- reads ------------------------------------------------------------------------------

    def check_key(self) -> None:
        """One cheap authenticated call, as the connect flow asks: customers.list(limit=1)."""
        self._get("/v1/customers", {"limit": 1})

    def account_id(self) -> str:
        """The id of the Stripe account this key belongs to (GET /v1/account), "acct_...".

        A restricted key needs no extra permission for it: every key may read its own account.
        """
        return str(self._get("/v1/account")["id"])

    def list_customers(self, *, starting_after: str | None = None) -> Page[CustomerData]:
        return self._page("/v1/customers", _list_params(starting_after), parse_customer)

    def retrieve_customer(self, customer_id: str) -> CustomerData:
        """A deleted customer comes back as Stripe's stub, parsed with deleted=True."""
        return parse_customer(self._get(f"/v1/customers/{_path_id(customer_id)}"))

    def list_subscriptions(self, *, starting_after: str | None = None) -> Page[SubscriptionData]:
        params = {**_list_params(starting_after), "status": "all", "expand": _SUBSCRIPTION_EXPAND}
        page = self._page("/v1/subscriptions", params, parse_subscription)
        return Page(tuple(self._complete_items(sub) for sub in page.items), page.has_more, page.last_id)

    def retrieve_subscription(self, subscription_id: str) -> SubscriptionData:
        params = {"expand": [name.removeprefix("data.") for name in _SUBSCRIPTION_EXPAND]}
        obj = self._get(f"/v1/subscriptions/{_path_id(subscription_id)}", params)
        return self._complete_items(parse_subscription(obj))

    def list_invoices(
        self, *, created_gte: int | None = None, status: str | None = None, starting_after: str | None = None
    ) -> Page[InvoiceData]:
        params = _list_params(starting_after, created_gte)
        if status:
            params["status"] = status
        page = self._page("/v1/invoices", params, parse_invoice)
        return Page(tuple(self.complete_lines(inv) for inv in page.items), page.has_more, page.last_id)

    def retrieve_invoice(self, invoice_id: str) -> InvoiceData:
        return self.complete_lines(parse_invoice(self._get(f"/v1/invoices/{_path_id(invoice_id)}")))

    def list_credit_notes(
        self, *, created_gte: int | None = None, starting_after: str | None = None
    ) -> Page[CreditNoteData]:
        return self._page("/v1/credit_notes", _list_params(starting_after, created_gte), parse_credit_note)

    def invoice_settlement(self, invoice_id: str) -> SettlementData | None:
        """What Stripe settled for a paid invoice: each paid payment's charge and its balance
        transaction (amount before fees, exchange_rate). None when the account answers without
        payment details (a key without that permission, no payment, a payment without its
        balance transaction) or the payments settled in different currencies: the caller then
        converts with the rate table."""
        params = {"invoice": invoice_id, "limit": PAGE_SIZE, "expand": ["data.payment.payment_intent"]}
        parts: list[SettlementData] = []
        try:
            for payment in self._get("/v1/invoice_payments", params).get("data") or []:
                charge_id = invoice_payment_charge(payment)
                if charge_id is None:
                    continue
                charge = self._get(f"/v1/charges/{_path_id(charge_id)}", {"expand": ["balance_transaction"]})
                part = parse_charge_settlement(charge)
                if part is None:
                    return None
                parts.append(part)
        except (StripeAuthFailed, StripeRequestFailed):
            return None
        return _settlement_sum(parts)

    def with_settlement(self, invoice: InvoiceData) -> InvoiceData:
        return replace(invoice, settlement=self.invoice_settlement(invoice.stripe_id))

    def complete_lines(self, invoice: InvoiceData) -> InvoiceData:
        """Page through /v1/invoices/{id}/lines past the lines Stripe embeds in the invoice."""
        if not invoice.lines_has_more:
            return invoice
        lines: list[InvoiceLineData] = list(invoice.lines)
        path = f"/v1/invoices/{_path_id(invoice.stripe_id)}/lines"
        has_more = True
        while has_more:
            page = self._page(path, _list_params(lines[-1].stripe_id if lines else None), parse_invoice_line)
            lines.extend(page.items)
            has_more = page.has_more and bool(page.items)
        return replace(invoice, lines=tuple(lines), lines_has_more=False)

    def _complete_items(self, subscription: SubscriptionData) -> SubscriptionData:
        if not subscription.items_has_more:
            return subscription
        items = list(subscription.items)
        has_more = True
        while has_more:
            params = _list_params(items[-1].stripe_id if items else None)
            params["subscription"] = subscription.stripe_id
            page = self._page("/v1/subscription_items", params, parse_subscription_item)
            items.extend(page.items)
            has_more = page.has_more and bool(page.items)
        return replace(subscription, items=tuple(items), items_has_more=False)


def construct_event(
    payload: bytes, signature: str | None, secret: str, *, tolerance: int = WEBHOOK_TOLERANCE_SECONDS
) -> EventData:
    """Verify a webhook delivery with Stripe's own signature check, then parse it."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance)
    except stripe.SignatureVerificationError as error:
        raise WebhookSignatureInvalid(str(error.user_message or error)) from None
    # Stripe's check refuses old signatures only; one dated ahead of the clock by more than the
    # same tolerance is refused too (a replay prepared in advance, or a wrong clock).
    if _signed_at(signature) > time.time() + tolerance:
        raise WebhookSignatureInvalid("The signature's timestamp is in the future.")
    try:
        event = jsonbody.loads(payload)
        if not _is_event(event):
            raise WebhookPayloadInvalid("The body is not a Stripe event object.")
        return parse_event(event)
    except (ValueError, KeyError, TypeError, OverflowError) as error:
        raise WebhookPayloadInvalid(f"Unreadable event payload: {error}") from None


def _signed_at(signature: str | None) -> int:
    for part in (signature or "").split(","):
        key, _, value = part.partition("=")
        if key.strip() == "t" and value.strip().isdigit():
            return int(value)
    return 0


def _is_event(event: Any) -> bool:
    data = event.get("data") if isinstance(event, dict) else None
    return (
        isinstance(event.get("id") if data is not None else None, str)
        and isinstance(event.get("type"), str)
        and type(event.get("created")) is int
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


def sign_payload(payload: str, secret: str, *, timestamp: int | None = None) -> str:
    """A Stripe-Signature header for `payload`, as Stripe computes it (tests and tools)."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)


# -- helpers ---------------------------------------------------------------------------------


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _translated(request: Callable[[], Any]) -> Any:
    """Run one request; Stripe's exceptions become the gateway's (transient ones to retry)."""
    try:
        return request()
    except (stripe.AuthenticationError, stripe.PermissionError) as error:
        raise StripeAuthFailed(_describe(error)) from error
    except (stripe.RateLimitError, stripe.APIConnectionError) as error:
        raise _Transient(_describe(error), _retry_after(error)) from error
    except stripe.APIError as error:
        # 5xx, or a 200 whose body is not JSON (cut short): both worth another try.
        raise _Transient(_describe(error), _retry_after(error)) from error
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise StripeNotFound(_describe(error)) from error
        raise StripeRequestFailed(_describe(error)) from error
    except stripe.StripeError as error:
        raise StripeRequestFailed(_describe(error)) from error


def _describe(error: stripe.StripeError) -> str:
    # user_message is Stripe's own text, which never shows a key beyond its redacted form.
    status = f"HTTP {error.http_status}: " if error.http_status else ""
    return f"{type(error).__name__}: {status}{error.user_message or str(error)[:200]}"


def _retry_after(error: stripe.StripeError) -> float | None:
    value = (error.headers or {}).get("Retry-After") if error.headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _settlement_sum(parts: list[SettlementData]) -> SettlementData | None:
    if not parts or len({part.currency for part in parts}) != 1:
        return None
    rates = {part.exchange_rate for part in parts}
    return SettlementData(
        charged=sum(part.charged for part in parts),
        amount=sum(part.amount for part in parts),
        currency=parts[0].currency,
        exchange_rate=rates.pop() if len(rates) == 1 else None,
    )


def _path_id(object_id: str) -> str:
    # Ids come from Stripe or from webhook payloads; never let one change the path.
    return quote(object_id, safe="")


def _list_params(starting_after: str | None, created_gte: int | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    if starting_after:
        params["starting_after"] = starting_after
    if created_gte is not None:
        params["created"] = {"gte": created_gte}
    return params
