"""`manage.py demo` (what `make demo` runs): the Stripe double serves the demo organization's
account beside the web server, the org is connected to it, Sync now reaches it, a payment there
reaches Margint by a signed webhook, and one Ctrl-C stops both. The web server is stood in for by Django's test client, inside the command's run."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from billing.demo import DEMO_WEBHOOK_SECRET, demo_payment
from billing.models import StripeConnection, StripeInvoice, StripeWebhookEvent, SyncRun
from billing.selectors import revenue_by_customer
from margint.demo import DEMO_PASSWORD, DEMO_USERS
from margint.models import Organization, Role
from stripe_double import serve
from stripe_double.webhooks import signature_header


@pytest.fixture
def served(db, settings, monkeypatch, django_capture_on_commit_callbacks):
    """Runs the command; its "runserver" clicks Sync now as the demo admin, then Ctrl-C."""
    settings.STRIPE_API_BASE = settings.STRIPE_API_BASE  # the command sets it: restored afterwards
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    monkeypatch.setattr("margins.costs.demo.load", lambda ctx: None)  # cost events: other tests
    seen: dict = {}

    def runserver(name: str, addrport: str, **options) -> None:
        seen.update(name=name, addrport=addrport, options=options, api_base=settings.STRIPE_API_BASE)
        client = Client()
        client.force_login(get_user_model().objects.get(email=DEMO_USERS[Role.ADMIN]))
        with django_capture_on_commit_callbacks(execute=True):  # the sync task starts on commit
            client.post("/stripe/sync/", HTTP_HX_REQUEST="true")
        run = SyncRun.objects.get(trigger="manual")
        seen["panel"] = client.get(f"/stripe/sync-runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
        # A customer pays: the double records the invoice and sends its webhook, signed as Stripe signs.
        event = demo_payment(servers[0].dataset, now=timezone.now())
        payload = json.dumps(event).encode()
        seen["webhook"] = Client().post(
            f"/api/stripe/webhooks/{run.org.public_id}",
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature_header(payload, DEMO_WEBHOOK_SECRET),
        )
        seen["event"] = event
        raise KeyboardInterrupt  # the one Ctrl-C

    servers = []

    def serving(*args, **kwargs):
        servers.append(serve(*args, **kwargs))
        return servers[-1]

    monkeypatch.setattr("publicapi.management.commands.demo.call_command", runserver)
    monkeypatch.setattr("publicapi.management.commands.demo.serve", serving)
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        call_command("demo", host="127.0.0.1", port=8123, stripe_port=0, stdout=out)
    return seen, out.getvalue()


def test_the_demo_serves_its_stripe_account_and_sync_now_reaches_it(served):
    seen, _ = served
    org = Organization.objects.get(name="Acme AI (demo)")

    assert (seen["name"], seen["addrport"], seen["options"]) == (
        "runserver",
        "127.0.0.1:8123",
        {"use_reloader": False},
    )
    assert seen["api_base"].startswith("http://127.0.0.1:")
    assert StripeConnection.objects.get(org=org).status == "active"
    manual = SyncRun.objects.get(org=org, trigger="manual")
    assert manual.status == "succeeded" and manual.stats["customersProcessed"] > 0
    assert "Sync finished" in seen["panel"]


def test_a_payment_in_the_demos_stripe_account_reaches_margint_by_webhook(served):
    seen, _ = served
    org = Organization.objects.get(name="Acme AI (demo)")
    invoice = seen["event"]["data"]["object"]

    assert seen["webhook"].status_code == 200
    assert StripeWebhookEvent.objects.get(org=org, stripe_id=seen["event"]["id"]).status == "processed"
    assert StripeInvoice.objects.filter(org=org, stripe_id=invoice["id"], status="paid").exists()
    today = timezone.now().date()
    booked = revenue_by_customer(org=org, start=today, end=today + timedelta(days=1))
    assert booked[invoice["customer"]] >= 25_000_000  # the $25 top-up, recognized today


def test_ctrl_c_stops_the_stripe_double_too(served):
    seen, _ = served

    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(seen["api_base"] + "/v1/customers", timeout=2)  # noqa: S310 - loopback


def test_the_closing_summary_gives_the_url_the_logins_and_the_real_menu_entries(served):
    _, out = served

    assert "Sign in at http://127.0.0.1:8123/ as (password " + DEMO_PASSWORD + "):" in out
    for email in DEMO_USERS.values():
        assert email in out
    assert "Stripe in the menu" in out and "Mappings (menu: Mappings)" in out
    assert "Ctrl-C stops the web server and the Stripe double." in out
