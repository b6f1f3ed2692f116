"""Margint's Stripe test double: Stripe's v1 read API over a small in-memory account.

The real `stripe` library (16.1.0) talks to it over HTTP, so the code under test runs its own
requests, pagination, retries and error handling. Objects are copies of Stripe's fixtures
(`fixtures3.json`, the part the double reads vendored in `vendor/`, see `fixtures.py`) with ids,
amounts, dates, references and statuses set by the builders, so they have the current API shape.
It is a development and test tool beside `scripts/`, outside Django's INSTALLED_APPS: it imports
nothing from Margint, and only tests, the demo and the benchmarks import it.

Pointing the stripe library at it (both checked against stripe 16.1.0):

    server = serve(dataset)                      # threaded, port 0 picks a free port
    client = stripe.StripeClient(DEFAULT_API_KEY, base_addresses={"api": server.url},
                                 max_network_retries=2)
    client.v1.customers.list({"limit": 100}).auto_paging_iter()

    stripe.api_base = server.url                 # legacy global configuration also works
    stripe.api_key = DEFAULT_API_KEY             # (restore both afterwards in tests)

A client timeout is set on the HTTP client: `http_client=stripe.RequestsClient(timeout=0.5)`.

Served, GET only: /v1/customers[/{id}], /v1/subscriptions[/{id}], /v1/subscription_items,
/v1/invoices[/{id}[/lines]], /v1/credit_notes[/{id}[/lines]], /v1/prices[/{id}],
/v1/tax_rates[/{id}], /v1/events[/{id}]. Lists are newest first with `limit` (default 10, at
most 100), `starting_after`, `ending_before` and `created[gt|gte|lt|lte]`; `expand[]` is
accepted and ignored. Invoices embed their first `embedded_lines` lines (default 10) with
`lines.has_more`; the rest come from /v1/invoices/{id}/lines. Any other key than the served
ones gets Stripe's 401; an unknown id gets a 404 `resource_missing`.

Test hooks on the running server: `server.faults` (see `faults.py`: 429, 5xx, slow, truncated
body, dropped connection), `server.requests` (method, path, query, key of each request),
`server.dataset` (add objects while it runs). `deliver(url, secret, event)` sends an event to a
webhook endpoint signed as Stripe signs it (`webhooks.py`).

Standalone: `python -m stripe_double --demo --port 12111` (see `__main__.py`).
"""

from __future__ import annotations

from .app import DEFAULT_ACCOUNT_ID, DEFAULT_API_KEY, DEFAULT_EMBEDDED_LINES, RecordedRequest, StripeDoubleApp
from .credit_notes import CreditLine
from .dataset import StripeDataset
from .documents import Line
from .faults import Fault, FaultPlan
from .periods import advance, to_epoch
from .scenarios import bulk_dataset, demo_dataset
from .server import RunningServer, serve
from .webhooks import deliver

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_API_KEY",
    "DEFAULT_EMBEDDED_LINES",
    "CreditLine",
    "Fault",
    "FaultPlan",
    "Line",
    "RecordedRequest",
    "RunningServer",
    "StripeDataset",
    "StripeDoubleApp",
    "advance",
    "bulk_dataset",
    "deliver",
    "demo_dataset",
    "serve",
    "to_epoch",
]
