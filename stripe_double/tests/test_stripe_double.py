"""The Stripe test double, driven by the real stripe library over HTTP. No database needed."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
import stripe

from stripe_double import (
    DEFAULT_API_KEY,
    CreditLine,
    Line,
    StripeDataset,
    bulk_dataset,
    demo_dataset,
    serve,
    to_epoch,
)
from stripe_double.fixtures import TEMPLATE_NAMES, fixtures_path
from stripe_double.refresh_templates import encode, write_vendored

T0 = to_epoch(date(2026, 1, 1))
DAY = 86400


@pytest.fixture
def dataset() -> StripeDataset:
    return StripeDataset()


@pytest.fixture
def server(dataset):
    running = serve(dataset)
    yield running
    running.stop()


def client_for(server, **options) -> stripe.StripeClient:
    return stripe.StripeClient(DEFAULT_API_KEY, base_addresses={"api": server.url}, **options)


def add_customers(dataset: StripeDataset, count: int) -> list[str]:
    """Customers created one second apart, oldest first."""
    return [
        dataset.add_customer(created=T0 + n, name=f"Customer {n}", email=f"c{n}@example.test")["id"]
        for n in range(count)
    ]


def taxed_subscription_invoice(dataset: StripeDataset, extra_lines: int = 0) -> dict:
    """A $49 plan line with a $9.80 discount and $3.48 tax, plus `extra_lines` $1 items."""
    customer = dataset.add_customer(created=T0, name="Acme Robotics", email="billing@acme.test")
    price = dataset.add_price(unit_amount=4900, created=T0, nickname="Starter monthly")
    tax = dataset.add_tax_rate(percentage="8.875", created=T0, country="US", state="NY")
    sub = dataset.add_subscription(
        customer=customer["id"], items=[(price["id"], 1)], created=T0, discount=True
    )
    plan = Line(
        amount=4900, period_start=T0, period_end=T0 + 31 * DAY, price=price["id"],
        discount_amount=980, tax_amount=348, tax_rate=tax["id"],
    )  # fmt: skip
    extras = [
        Line(amount=100, period_start=T0, period_end=T0, description=f"Item {n}") for n in range(extra_lines)
    ]
    return dataset.add_invoice(
        customer=customer["id"], subscription=sub["id"], created=T0 + DAY, lines=[plan, *extras]
    )


def test_auto_pagination_returns_every_customer_newest_first_over_three_pages(dataset, server):
    ids = add_customers(dataset, 25)

    listed = [c.id for c in client_for(server).v1.customers.list({"limit": 10}).auto_paging_iter()]

    assert listed == ids[::-1]
    pages = server.app.requests_to("/v1/customers")
    assert [p.query.get("starting_after") for p in pages] == [None, ids[15], ids[5]]


def test_created_range_filter_keeps_only_customers_inside_it(dataset, server):
    ids = add_customers(dataset, 20)

    page = client_for(server).v1.customers.list({"created": {"gte": T0 + 5, "lt": T0 + 12}, "limit": 100})

    assert [c.id for c in page.data] == ids[11:4:-1]
    assert server.requests[-1].query == {
        "created[gte]": str(T0 + 5),
        "created[lt]": str(T0 + 12),
        "limit": "100",
    }


def test_ending_before_pages_backwards_to_the_newer_customers(dataset, server):
    ids = add_customers(dataset, 12)

    pages = client_for(server).v1.customers.list({"limit": 5, "ending_before": ids[3]}).auto_paging_iter()

    assert [c.id for c in pages] == ids[4:]


def test_events_list_filters_by_type(dataset, server):
    customer = dataset.add_customer(created=T0, name="Acme Robotics")
    created = dataset.add_event(type="customer.created", obj=customer, created=T0)
    dataset.add_event(type="customer.updated", obj=customer, created=T0 + 1)

    events = client_for(server).v1.events.list({"type": "customer.created"}).data

    assert [(e.id, e.data.object.id) for e in events] == [(created["id"], customer["id"])]


def test_deleted_customer_is_left_out_of_lists_and_retrieved_as_a_stub(dataset, server):
    kept, gone = add_customers(dataset, 2)
    dataset.delete_customer(gone)
    client = client_for(server)

    assert [c.id for c in client.v1.customers.list().data] == [kept]
    stub = client.v1.customers.retrieve(gone)
    assert (stub.id, stub.deleted) == (gone, True)


def test_invoice_embeds_ten_lines_and_the_rest_page_from_the_lines_endpoint(dataset, server):
    invoice = taxed_subscription_invoice(dataset, extra_lines=22)

    fetched = client_for(server).v1.invoices.retrieve(invoice["id"])
    all_lines = list(fetched.lines.auto_paging_iter())

    assert (len(fetched.lines.data), fetched.lines.has_more) == (10, True)
    assert [line.id for line in all_lines] == [line["id"] for line in invoice["lines"]["data"]]
    assert len(all_lines) == 23
    follow_ups = server.app.requests_to(f"/v1/invoices/{invoice['id']}/lines")
    line_ids = [line["id"] for line in invoice["lines"]["data"]]
    assert [r.query["starting_after"] for r in follow_ups] == [line_ids[9], line_ids[19]]


def test_invoice_totals_add_discounts_and_exclusive_tax_to_the_lines(dataset, server):
    invoice = taxed_subscription_invoice(dataset, extra_lines=2)

    fetched = client_for(server).v1.invoices.retrieve(invoice["id"])

    assert (fetched.subtotal, fetched.total_excluding_tax, fetched.total) == (5100, 4120, 4468)
    assert (fetched.amount_due, fetched.amount_paid, fetched.amount_remaining) == (4468, 4468, 0)
    assert [d.amount for d in fetched.total_discount_amounts] == [980]
    assert [(t.amount, t.taxable_amount) for t in fetched.total_taxes] == [(348, 3920)]
    assert fetched.status_transitions.paid_at == T0 + DAY


def test_invoice_and_line_keep_the_shape_of_stripe_fixtures(dataset, server):
    invoice = taxed_subscription_invoice(dataset)
    with open(fixtures_path(), encoding="utf-8") as handle:
        resources = json.load(handle)["resources"]
    sub_id = invoice["parent"]["subscription_details"]["subscription"]
    price_id = invoice["lines"]["data"][0]["pricing"]["price_details"]["price"]

    fetched = client_for(server).v1.invoices.retrieve(invoice["id"])
    line = fetched.lines.data[0]

    assert set(fetched.to_dict()) == set(resources["invoice"])
    assert set(line.to_dict()) == set(resources["line_item"])
    assert line.parent.type == "subscription_item_details"
    assert line.parent.subscription_item_details.subscription == sub_id
    assert line.pricing.price_details.price == price_id
    assert line.taxes[0].tax_rate_details.tax_rate.startswith("txr_")
    assert line.discount_amounts[0].amount == 980
    assert fetched.parent.subscription_details.subscription == sub_id
    assert fetched.subscription is None  # today's API names the subscription only in `parent`


def test_credit_note_on_a_paid_invoice_is_a_post_payment_refund(dataset, server):
    invoice = taxed_subscription_invoice(dataset)
    plan_line = invoice["lines"]["data"][0]
    dataset.add_credit_note(
        invoice=invoice["id"], created=T0 + 9 * DAY,
        lines=[CreditLine(amount=2450, invoice_line_item=plan_line["id"], tax_amount=174)],
    )  # fmt: skip
    client = client_for(server)

    notes = client.v1.credit_notes.list({"invoice": invoice["id"]}).data
    refreshed = client.v1.invoices.retrieve(invoice["id"])

    assert [(n.total, n.type, n.refunds[0].amount_refunded) for n in notes] == [(2624, "post_payment", 2624)]
    assert notes[0].lines.data[0].invoice_line_item == plan_line["id"]
    assert refreshed.post_payment_credit_notes_amount == 2624


def test_subscriptions_list_leaves_out_canceled_ones_unless_status_is_all(dataset, server):
    customer = add_customers(dataset, 1)[0]
    price = dataset.add_price(unit_amount=1000, created=T0)
    live = dataset.add_subscription(customer=customer, items=[(price["id"], 1)], created=T0)
    ended = dataset.add_subscription(
        customer=customer, items=[(price["id"], 1)], created=T0 + 1, status="canceled", canceled_at=T0 + DAY
    )
    client = client_for(server)

    assert [s.id for s in client.v1.subscriptions.list().data] == [live["id"]]
    assert [s.id for s in client.v1.subscriptions.list({"status": "all"}).data] == [ended["id"], live["id"]]


def test_invoice_list_filters_by_status_and_customer(dataset, server):
    first, second = add_customers(dataset, 2)
    line = Line(amount=500, period_start=T0, period_end=T0 + DAY)
    paid = dataset.add_invoice(customer=first, created=T0 + 10, lines=[line])
    dataset.add_invoice(customer=first, created=T0 + 20, lines=[line], status="open")
    dataset.add_invoice(customer=second, created=T0 + 30, lines=[line])

    page = client_for(server).v1.invoices.list({"status": "paid", "customer": first})

    assert [i.id for i in page.data] == [paid["id"]]


def test_unknown_api_key_raises_authentication_error(server):
    wrong = stripe.StripeClient("rk_test_not_a_real_key_9876", base_addresses={"api": server.url})

    with pytest.raises(stripe.AuthenticationError) as raised:
        wrong.v1.customers.list()

    assert raised.value.http_status == 401
    assert raised.value.user_message == "Invalid API Key provided: rk_test_" + "*" * 15 + "9876"


def test_unknown_invoice_raises_invalid_request_error_with_resource_missing(server):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client_for(server).v1.invoices.retrieve("in_missing")

    assert (raised.value.http_status, raised.value.code) == (404, "resource_missing")


def test_rate_limited_request_is_retried_by_the_stripe_library(dataset, server):
    ids = add_customers(dataset, 3)
    server.faults.rate_limit("/v1/customers")

    page = client_for(server, max_network_retries=2).v1.customers.list()

    assert [c.id for c in page.data] == ids[::-1]
    assert len(server.app.requests_to("/v1/customers")) == 2


def test_rate_limit_without_retries_raises_rate_limit_error(dataset, server):
    server.faults.rate_limit("/v1/customers")

    with pytest.raises(stripe.RateLimitError) as raised:
        client_for(server).v1.customers.list()

    assert (raised.value.http_status, raised.value.error.code) == (429, "rate_limit")


def test_server_error_on_the_second_page_raises_api_error(dataset, server):
    add_customers(dataset, 15)
    server.faults.server_error(500, "/v1/customers", nth=2)
    pages = client_for(server, max_network_retries=0).v1.customers.list({"limit": 10}).auto_paging_iter()

    with pytest.raises(stripe.APIError) as raised:
        list(pages)

    assert raised.value.http_status == 500
    assert len(server.app.requests_to("/v1/customers")) == 2


def test_slow_response_hits_the_client_timeout(dataset, server):
    server.faults.slow(3.0, "/v1/customers")
    client = client_for(server, http_client=stripe.RequestsClient(timeout=0.3))
    started = time.monotonic()

    with pytest.raises(stripe.APIConnectionError, match="ReadTimeout"):
        client.v1.customers.list()

    assert time.monotonic() - started < 2.0


def test_truncated_json_page_raises_api_error(dataset, server):
    add_customers(dataset, 5)
    server.faults.truncated_body("/v1/customers")

    with pytest.raises(stripe.APIError, match="Invalid response body"):
        client_for(server).v1.customers.list()


def test_connection_closed_mid_body_raises_api_connection_error(dataset, server):
    add_customers(dataset, 5)
    server.faults.disconnect("/v1/customers")

    with pytest.raises(stripe.APIConnectionError, match="IncompleteRead"):
        client_for(server).v1.customers.list()


def test_legacy_global_api_base_reaches_the_double(dataset, server, monkeypatch):
    ids = add_customers(dataset, 2)
    monkeypatch.setattr(stripe, "api_base", server.url)
    monkeypatch.setattr(stripe, "api_key", DEFAULT_API_KEY)

    assert [c.id for c in stripe.Customer.list(limit=1).data] == [ids[1]]


def test_dataset_written_to_a_data_file_serves_the_same_invoice(dataset, tmp_path):
    invoice = taxed_subscription_invoice(dataset)
    loaded = StripeDataset.load(dataset.save(tmp_path / "account.json"))

    with serve(loaded) as running:
        fetched = client_for(running).v1.invoices.retrieve(invoice["id"])

    assert fetched.to_dict(for_json=True) == invoice


def test_demo_dataset_is_deterministic_and_dated_no_later_than_as_of():
    as_of = date(2026, 5, 15)
    first, second = demo_dataset(as_of=as_of, seed=3), demo_dataset(as_of=as_of, seed=3)
    invoices = list(first.objects["invoices"].values())
    lines = [line for invoice in invoices for line in invoice["lines"]["data"]]

    assert first.to_data() == second.to_data()
    assert max(obj["created"] for objs in first.objects.values() for obj in objs.values()) <= to_epoch(as_of)
    assert first.count("customers") == 55 and len(first.deleted_customers) == 1
    assert {"usd", "eur"} == {invoice["currency"] for invoice in invoices}
    assert any(invoice["total"] == 0 for invoice in invoices)
    assert any(line["amount"] < 0 for line in lines)  # the upgrade's proration credit
    assert first.count("credit_notes") == 1
    assert any("margint_customer" in c["metadata"] for c in first.objects["customers"].values())


def test_bulk_dataset_pages_every_invoice_with_its_lines():
    bulk = bulk_dataset(as_of=date(2026, 5, 15), customers=20, invoices=150, lines_per_invoice=3)

    with serve(bulk) as running:
        invoices = list(client_for(running).v1.invoices.list({"limit": 100}).auto_paging_iter())

    assert len(invoices) == 150
    assert {len(invoice.lines.data) for invoice in invoices} == {3}
    assert len({invoice.customer for invoice in invoices}) == 20


def test_vendored_templates_are_the_subset_of_stripe_fixtures_the_double_reads(tmp_path):
    full = {"resources": {name: {"object": name, "id": f"x_{name}"} for name in TEMPLATE_NAMES}}
    full["resources"]["account"] = {"object": "account"}
    source = tmp_path / "fixtures3.json"
    source.write_text(json.dumps(full), encoding="utf-8")

    written = write_vendored(source, tmp_path / "templates.json")

    assert json.loads(written.read_text(encoding="utf-8"))["resources"].keys() == set(TEMPLATE_NAMES)
    with open(fixtures_path(), encoding="utf-8") as handle:
        vendored = json.load(handle)
    assert fixtures_path().is_relative_to(Path(__file__).resolve().parents[1])
    assert set(vendored["resources"]) == set(TEMPLATE_NAMES)
    assert encode(vendored) == fixtures_path().read_text(encoding="utf-8")  # as the refresh writes it
