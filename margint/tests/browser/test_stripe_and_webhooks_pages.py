"""The Stripe and Webhooks pages in a real browser: connect Stripe against the Stripe double and
follow a sync's progress bar while a real Celery worker runs it; add a webhook endpoint, send a
test event to a receiver on loopback and find the delivery in the log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from billing.models import StripeConnection, SyncRun
from billing.services import stripe_connect
from margint import crypto
from margint.tests.browser.conftest import shoot
from publicapi.notifications import signing
from publicapi.notifications.models import WebhookDelivery, WebhookEndpoint
from publicapi.notifications.tests.receiver import webhook_receiver  # noqa: F401 - the loopback receiver fixture
from stripe_double import DEFAULT_API_KEY, Line, StripeDataset, serve

pytestmark = pytest.mark.browser

HOUR = 3600
INVOICES = 1200  # twelve pages of 100 for each listing
SYNC_TIMEOUT_MS = 90_000
# Records every value the progress bar shows, whichever swap brought it in.
RECORD_PROGRESS = """() => {
    window.__progress = [];
    const record = () => {
        const bar = document.querySelector("#sync-progress");
        const invoices = document.querySelector('[data-count="invoices"]');
        if (bar) window.__progress.push([bar.value, invoices ? Number(invoices.textContent) : null]);
    };
    new MutationObserver(record).observe(document.body, {subtree: true, childList: true});
}"""


def _recent_account(now: int) -> StripeDataset:
    """Invoices spread over the last 40 hours: inside a later sync's 48-hour overlap too, so
    "Sync now" reads all of them again and its progress estimate moves page by page."""
    dataset = StripeDataset(id_namespace="browser-sync")
    customers = [
        dataset.add_customer(created=now - 50 * HOUR, name=f"Browser {n:02d}", email=f"b{n}@example.test")[
            "id"
        ]
        for n in range(40)
    ]
    for number in range(INVOICES):
        moment = now - 40 * HOUR + number * (40 * HOUR) // INVOICES
        dataset.add_invoice(
            customer=customers[number % len(customers)],
            created=moment,
            lines=[Line(amount=1500, period_start=moment, period_end=moment)],
        )
    return dataset


@pytest.fixture
def celery_worker(requires_redis, requires_postgres) -> Iterator[None]:
    """A real worker on a thread, consuming from Redis, so a sync runs while the page polls.
    It opens its own database connection, which an in-memory SQLite test database cannot share."""
    from celery.contrib.testing.worker import start_worker

    from margint.celery import app

    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
    app.conf.task_always_eager = True


@pytest.fixture
def slow_stripe(settings) -> Iterator[object]:
    server = serve(_recent_account(int(time.time())))
    # Each invoice page waits a little, so a sync lasts a few polls of the progress bar.
    server.faults.slow(0.25, "/v1/invoices", times=None)
    settings.STRIPE_API_BASE = server.url
    yield server
    server.stop()


def _wait_for_run_end(page) -> None:
    expect(page.locator("#sync-panel .sync-progress")).to_have_attribute(
        "data-status", "succeeded", timeout=SYNC_TIMEOUT_MS
    )


def test_connect_stripe_then_sync_now_while_the_progress_bar_moves(
    open_page, admin, org, slow_stripe, celery_worker
):
    page = open_page(admin, "/stripe/")
    assert page.locator('nav.nav a[aria-current="page"]').inner_text() == "Stripe"
    shoot(page, "stripe-not-connected")

    page.get_by_label("Stripe key").fill(DEFAULT_API_KEY)
    page.get_by_role("button", name="Connect Stripe").click()
    expect(page.get_by_role("status").filter(has_text="Stripe is connected")).to_be_visible()
    connection = StripeConnection.objects.get(org=org)
    expect(page.locator("#stripe-key-masked")).to_have_text(connection.key_prefix)
    assert DEFAULT_API_KEY not in page.content()
    _wait_for_run_end(page)  # the first sync, started by connecting
    first = SyncRun.objects.get(org=org)
    expect(page.locator(f"#run-{first.pk}")).to_contain_text("Succeeded")
    # The connection's facts and the disconnect counts followed out of band.
    expect(page.locator("#disconnect-impact")).to_contain_text("40 mirrored Stripe customers")
    expect(page.locator("#stripe-connection")).not_to_contain_text("not yet")

    page.evaluate(RECORD_PROGRESS)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-panel .sync-progress")).to_have_attribute("data-status", "running")
    expect(page.get_by_role("button", name="Sync now")).to_be_disabled()
    shoot(page, "stripe-syncing")
    _wait_for_run_end(page)

    seen = page.evaluate("window.__progress")
    percents = {value for value, _ in seen}
    assert any(0 < value < 100 for value in percents), seen
    assert len(percents) >= 2, seen
    counts = [invoices for _, invoices in seen if invoices is not None]
    assert counts[-1] == INVOICES and any(0 < count < INVOICES for count in counts), seen
    second = SyncRun.objects.filter(org=org).exclude(pk=first.pk).get()
    assert (second.trigger, second.status, second.stats["invoicesFetched"]) == (
        "manual",
        "succeeded",
        INVOICES,
    )
    # The runs table reloaded itself when the run ended: both runs, the new one first.
    rows = page.locator("#sync-runs tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("id", f"run-{second.pk}")
    expect(rows.first.locator('td[data-label="Invoices"]')).to_contain_text(str(INVOICES))
    page.reload()
    shoot(page, "stripe-connected")


def test_disconnect_asks_for_the_typed_word_and_says_what_goes(open_page, admin, org, settings):
    dataset = StripeDataset(id_namespace="browser-disconnect")
    with serve(dataset) as server:
        settings.STRIPE_API_BASE = server.url
        from billing.services import stripe_connect

        stripe_connect(org=org, stripe_key=DEFAULT_API_KEY, start_sync=False)
    page = open_page(admin, "/stripe/")
    expect(page.locator("#disconnect-impact")).to_contain_text("0 mirrored Stripe customers")
    page.get_by_label("Type “disconnect” to confirm").fill("please")
    page.get_by_role("button", name="Disconnect and delete").click()
    expect(page.locator("#id_confirm_error")).to_contain_text("nothing was deleted")
    expect(page.get_by_label("Type “disconnect” to confirm")).to_be_focused()
    assert StripeConnection.objects.filter(org=org).exists()
    shoot(page, "stripe-disconnect-error")
    page.get_by_label("Type “disconnect” to confirm").fill("disconnect")
    page.get_by_role("button", name="Disconnect and delete").click()
    expect(page.get_by_role("status").filter(has_text="Stripe is disconnected")).to_be_visible()
    expect(page.get_by_role("button", name="Connect Stripe")).to_be_visible()
    assert not StripeConnection.objects.filter(org=org).exists()


def test_viewer_reads_the_stripe_page_and_a_direct_sync_post_is_refused(open_page, viewer, org):
    page = open_page(viewer, "/stripe/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stripe")
    expect(page.get_by_role("button")).to_have_text(["Sign out"])  # no Connect, no Sync now
    status = page.evaluate(
        """async () => {
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            const response = await fetch("/stripe/sync/", {method: "POST", headers: {"X-CSRFToken": token}});
            return response.status;
        }"""
    )
    assert status == 403 and not SyncRun.objects.exists()
    shoot(page, "stripe-viewer")


def test_add_a_webhook_endpoint_send_a_test_event_and_see_the_delivery(
    open_page,
    admin,
    org,
    webhook_receiver,  # noqa: F811 - the imported fixture
):
    page = open_page(admin, "/webhooks/")
    expect(page.locator("#endpoints-table")).to_contain_text("No endpoints yet.")
    page.get_by_label("URL").fill("not a url")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#id_url_error")).to_have_text("Enter a valid URL.")
    assert not WebhookEndpoint.objects.exists()

    page.get_by_label("URL").fill(webhook_receiver.url)
    page.get_by_label("Description").fill("ops alerts")
    page.get_by_label("margin.threshold_crossed", exact=False).uncheck()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("#new-endpoint-secret").inner_text()
    endpoint = WebhookEndpoint.objects.get(org=org)
    assert crypto.decrypt(endpoint.encrypted_secret) == secret
    assert endpoint.event_types == ["budget.exceeded", "budget.threshold_crossed"]
    row = page.locator(f"#endpoint-{endpoint.id}")  # the list refreshed itself
    expect(row).to_contain_text("budget.exceeded")
    shoot(page, "webhooks-created")

    row.get_by_role("link", name="Delivery log").click()
    page.wait_for_url(f"**/webhooks/{endpoint.id}/")
    expect(page.locator("#delivery-log")).to_contain_text("Nothing delivered yet.")
    page.get_by_role("button", name="Send test event").click()
    delivery_row = page.locator("#delivery-log tbody tr")
    expect(delivery_row).to_have_count(1)
    expect(delivery_row).to_contain_text("webhook.test")
    expect(delivery_row.locator('td[data-label="State"]')).to_have_text("Delivered")
    expect(delivery_row.locator('td[data-label="Result"]')).to_contain_text("200")
    response = delivery_row.get_by_text('{"ok": true}')
    expect(response).to_be_hidden()  # folded until asked for
    delivery_row.get_by_text("1 attempt").click()
    expect(response).to_be_visible()
    (received,) = webhook_receiver.received
    assert json.loads(received.body)["type"] == "webhook.test"
    assert signing.verify(secret=secret, header=received.headers["Margint-Signature"], body=received.body)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    expect(delivery_row.locator('td[data-label="Took"]')).to_have_text(f"{delivery.duration_ms} ms")
    shoot(page, "webhook-delivery-log")

    page.get_by_role("link", name="← Webhooks").click()
    page.get_by_role("button", name=f"Disable {endpoint.url}").click()
    expect(page.get_by_role("status").filter(has_text="disabled")).to_be_visible()
    expect(page.locator(f"#endpoint-{endpoint.id}")).to_contain_text("Disabled")
    endpoint.refresh_from_db()
    assert endpoint.active is False
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Delete {endpoint.url}").click()
    expect(page.locator("#endpoints-table")).to_contain_text("No endpoints yet.")
    assert not WebhookEndpoint.objects.exists()
    shoot(page, "webhooks")


def test_sync_now_shows_it_is_working_while_the_sync_runs_inside_the_request(
    open_page, member, org, settings
):
    """Without a worker (tasks in-process) the sync runs inside Sync now's request: meanwhile the
    button is disabled and shows a spinner and "Syncing…"."""
    server = serve(_recent_account(int(time.time())))
    server.faults.slow(1.5, "/v1/customers", times=1)  # the request lasts long enough to be seen
    settings.STRIPE_API_BASE = server.url
    stripe_connect(org=org, stripe_key=DEFAULT_API_KEY, webhook_secret="whsec_browser_0001", start_sync=False)
    try:
        page = open_page(member, "/stripe/")
        button = page.locator("#sync-now-form button")
        expect(button.locator(".spinner")).to_be_hidden()

        button.click()

        expect(button).to_be_disabled()
        expect(button.locator(".spinner")).to_be_visible()
        expect(button.locator(".busy-label")).to_have_text("Syncing…")
        expect(page.locator("#sync-panel .sync-progress")).to_have_attribute("data-status", "succeeded")
        expect(page.locator("#sync-now-form button")).to_be_enabled()
        expect(page.locator("#sync-now-form .spinner")).to_be_hidden()
    finally:
        server.stop()
