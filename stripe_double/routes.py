"""GET endpoints of the double: each turns (dataset, params, path ids) into a response body."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .dataset import StripeDataset
from .errors import resource_missing
from .listing import Predicate, all_of, created_filter, list_page

NOUNS = {
    "customers": "customer",
    "subscriptions": "subscription",
    "invoices": "invoice",
    "credit_notes": "credit note",
    "prices": "price",
    "tax_rates": "tax rate",
    "events": "event",
}
# Stripe's default list of subscriptions leaves out the ones that have ended.
_ENDED = ("canceled", "incomplete_expired")


@dataclass(frozen=True)
class Call:
    dataset: StripeDataset
    params: Mapping[str, str]
    ids: tuple[str, ...]
    embedded_lines: int


Handler = Callable[[Call], dict[str, Any]]


def _equals(params: Mapping[str, str], param: str, read: Callable[[dict[str, Any]], Any]) -> Predicate | None:
    if param not in params:
        return None
    wanted = params[param]
    return lambda obj: read(obj) == wanted


def _retrieve(call: Call, collection: str) -> dict[str, Any]:
    found = call.dataset.find(collection, call.ids[0])
    if found is None:
        raise resource_missing(NOUNS[collection], call.ids[0])
    return found


def _list(call: Call, collection: str, keep: Predicate | None) -> dict[str, Any]:
    ordered = call.dataset.newest_first(collection)
    keep = all_of(created_filter(call.params), keep)
    return list_page(ordered, call.params, url=f"/v1/{collection}", noun=NOUNS[collection], keep=keep)


def _with_line_page(document: dict[str, Any], embedded_lines: int) -> dict[str, Any]:
    """Stripe embeds only the first lines of an invoice or credit note; the rest is paged
    from the `lines.url` endpoint."""
    lines = document["lines"]
    page = {**lines, "data": lines["data"][:embedded_lines], "has_more": len(lines["data"]) > embedded_lines}
    return {**document, "lines": page}


def _nested_lines(call: Call, collection: str) -> dict[str, Any]:
    document = _retrieve(call, collection)
    lines = document["lines"]
    return list_page(lines["data"], call.params, url=lines["url"], noun="line item")


def list_customers(call: Call) -> dict[str, Any]:
    deleted = call.dataset.deleted_customers
    keep = all_of(
        lambda customer: customer["id"] not in deleted,
        _equals(call.params, "email", lambda customer: customer["email"]),
    )
    return _list(call, "customers", keep)


def get_customer(call: Call) -> dict[str, Any]:
    customer = _retrieve(call, "customers")
    if customer["id"] in call.dataset.deleted_customers:
        return call.dataset.deleted_customer_stub(customer["id"])
    return customer


def _subscription_status(status: str | None) -> Predicate | None:
    if status == "all":
        return None
    if status is None:
        return lambda sub: sub["status"] not in _ENDED
    if status == "ended":
        return lambda sub: sub["status"] in _ENDED
    return lambda sub: sub["status"] == status


def list_subscriptions(call: Call) -> dict[str, Any]:
    by_status = _subscription_status(call.params.get("status"))
    price = call.params.get("price")
    by_price = (
        None
        if price is None
        else lambda sub: any(item["price"]["id"] == price for item in sub["items"]["data"])
    )
    keep = all_of(by_status, by_price, _equals(call.params, "customer", lambda sub: sub["customer"]))
    return _list(call, "subscriptions", keep)


def list_subscription_items(call: Call) -> dict[str, Any]:
    subscription_id = call.params.get("subscription", "")
    sub = call.dataset.find("subscriptions", subscription_id)
    if sub is None:
        raise resource_missing("subscription", subscription_id, param="subscription", status=400)
    url = sub["items"]["url"]
    return list_page(sub["items"]["data"], call.params, url=url, noun="subscription item")


def _invoice_subscription(invoice: dict[str, Any]) -> str | None:
    parent = invoice["parent"]
    return parent["subscription_details"]["subscription"] if parent else None


def list_invoices(call: Call) -> dict[str, Any]:
    keep = all_of(
        _equals(call.params, "status", lambda invoice: invoice["status"]),
        _equals(call.params, "customer", lambda invoice: invoice["customer"]),
        _equals(call.params, "subscription", _invoice_subscription),
        _equals(call.params, "collection_method", lambda invoice: invoice["collection_method"]),
    )
    page = _list(call, "invoices", keep)
    page["data"] = [_with_line_page(invoice, call.embedded_lines) for invoice in page["data"]]
    return page


def get_invoice(call: Call) -> dict[str, Any]:
    return _with_line_page(_retrieve(call, "invoices"), call.embedded_lines)


def get_credit_note(call: Call) -> dict[str, Any]:
    return _with_line_page(_retrieve(call, "credit_notes"), call.embedded_lines)


def list_credit_notes(call: Call) -> dict[str, Any]:
    keep = all_of(
        _equals(call.params, "invoice", lambda note: note["invoice"]),
        _equals(call.params, "customer", lambda note: note["customer"]),
    )
    page = _list(call, "credit_notes", keep)
    page["data"] = [_with_line_page(note, call.embedded_lines) for note in page["data"]]
    return page


def list_prices(call: Call) -> dict[str, Any]:
    active = call.params.get("active")
    keep = all_of(
        None if active is None else lambda price: price["active"] == (active == "true"),
        _equals(call.params, "currency", lambda price: price["currency"]),
        _equals(call.params, "product", lambda price: price["product"]),
        _equals(call.params, "type", lambda price: price["type"]),
    )
    return _list(call, "prices", keep)


def list_events(call: Call) -> dict[str, Any]:
    types = {value for key, value in call.params.items() if key.startswith("types[")}
    keep = all_of(
        _equals(call.params, "type", lambda event: event["type"]),
        (lambda event: event["type"] in types) if types else None,
    )
    return _list(call, "events", keep)


ROUTES: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(pattern), handler)
    for pattern, handler in [
        (r"/v1/customers", list_customers),
        (r"/v1/customers/([^/]+)", get_customer),
        (r"/v1/subscriptions", list_subscriptions),
        (r"/v1/subscriptions/([^/]+)", lambda call: _retrieve(call, "subscriptions")),
        (r"/v1/subscription_items", list_subscription_items),
        (r"/v1/invoices", list_invoices),
        (r"/v1/invoices/([^/]+)", get_invoice),
        (r"/v1/invoices/([^/]+)/lines", lambda call: _nested_lines(call, "invoices")),
        (r"/v1/credit_notes", list_credit_notes),
        (r"/v1/credit_notes/([^/]+)", get_credit_note),
        (r"/v1/credit_notes/([^/]+)/lines", lambda call: _nested_lines(call, "credit_notes")),
        (r"/v1/prices", list_prices),
        (r"/v1/prices/([^/]+)", lambda call: _retrieve(call, "prices")),
        (r"/v1/tax_rates", lambda call: _list(call, "tax_rates", None)),
        (r"/v1/tax_rates/([^/]+)", lambda call: _retrieve(call, "tax_rates")),
        (r"/v1/events", list_events),
        (r"/v1/events/([^/]+)", lambda call: _retrieve(call, "events")),
    ]
]


def route(path: str) -> tuple[Handler, tuple[str, ...]] | None:
    for pattern, handler in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return handler, match.groups()
    return None
