"""The Stripe page (/stripe/): roles as the billing API's, connect with the key masked after,
webhook secret, disconnect with a typed confirmation that counts what goes, sync now and its
progress fragment, and nothing of one organization on another's page."""

from __future__ import annotations

import pytest
from django.test import Client

from billing.models import RevenueDaily, StripeConnection, StripeCustomer, StripeInvoice, SyncRun
from billing.selectors import disconnect_impact
from billing.services import stripe_connect
from billing.sync import revenue_sync_run, sync_run_claim
from billing.tests.accounts import every_case_account, simple_account
from billing.tests.conftest import WEBHOOK_SECRET
from mappings.models import CustomerMapping
from margint.crypto import decrypt
from stripe_double import DEFAULT_API_KEY, StripeDataset, serve

PAGE = "/stripe/"
HX = {"HTTP_HX_REQUEST": "true"}
OTHER_KEY = "rk_test_rival_account_key_0001"


@pytest.fixture
def synced(org, connection, stripe_account):
    every_case_account(stripe_account)
    run = revenue_sync_run(org=org, trigger="manual")
    CustomerMapping.objects.create(org=org, stripe_customer_id="cus_any", tag_value="any-co")
    return run


# -- reading ----------------------------------------------------------------------------------


def test_viewer_reads_the_connection_runs_and_webhook_health_without_any_form(viewer, synced):
    response = viewer.page_client().get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "rk_test_marg...uble" in html  # the stored mask
    assert DEFAULT_API_KEY not in html
    assert f'id="run-{synced.pk}"' in html and 'data-status="succeeded"' in html
    assert f"/api/stripe/webhooks/{viewer.org.public_id}" in html
    assert 'id="webhook-health"' in html and "Set</span>" in html  # the signing secret is stored
    for form in ("stripe-connect-form", "stripe-secret-form", "stripe-disconnect-form", "sync-now-form"):
        assert f'id="{form}"' not in html


def test_member_gets_sync_now_but_no_admin_form(member, synced):
    html = member.page_client().get(PAGE).content.decode()
    assert 'id="sync-now-form"' in html
    assert 'id="stripe-disconnect-form"' not in html and 'id="stripe-secret-form"' not in html


def test_a_run_shows_its_counts_and_a_failed_one_its_failure_in_plain_words(viewer, synced, org):
    raw = "Request req_1 failed: HTTPSConnectionPool(host='api.stripe.com'): NameResolutionError(...)"
    failed = SyncRun.objects.create(
        org=org, status="failed", trigger="cron", error=raw, stats={"failure": "unreachable"}
    )
    html = viewer.page_client().get(PAGE, **HX).content.decode()
    assert html.lstrip().startswith('<div id="sync-runs"')
    assert 'hx-trigger="syncRunFinished from:body"' in html
    row = html.split(f'id="run-{synced.pk}"')[1].split("</tr>")[0]
    assert f'data-label="Invoices" class="num">{synced.stats["invoicesFetched"]} ' in row
    assert "skipped 2 in EUR" in row
    failed_row = html.split(f'id="run-{failed.pk}"')[1].split("</tr>")[0]
    assert "Couldn&#x27;t reach Stripe" in failed_row and "Failed</span>" in failed_row
    assert "NameResolutionError" not in html


def test_signed_out_is_sent_to_sign_in_and_a_free_org_sees_the_upgrade_page(free_admin):
    assert Client().get(PAGE)["Location"].startswith("/accounts/login/")
    response = free_admin.page_client().get(PAGE)
    assert response.status_code == 403 and "This is a Pro feature" in response.content.decode()


# -- connect ----------------------------------------------------------------------------------


def test_admin_connects_and_the_first_sync_runs_then_only_the_mask_is_shown(
    admin, org, stripe_server, stripe_account, django_capture_on_commit_callbacks
):
    simple_account(stripe_account, invoices=3)
    client = admin.page_client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/stripe/connect/", {"stripe_key": DEFAULT_API_KEY, "webhook_secret": WEBHOOK_SECRET}
        )
    assert (response.status_code, response["Location"]) == (302, PAGE)
    connection = StripeConnection.objects.get(org=org)
    assert decrypt(connection.encrypted_key) == DEFAULT_API_KEY
    assert decrypt(connection.encrypted_webhook_secret) == WEBHOOK_SECRET
    run = SyncRun.objects.get(org=org)  # tasks run in-process in tests: already finished
    assert (run.trigger, run.status, run.stats["invoicesFetched"]) == ("connect", "succeeded", 3)
    html = client.get(PAGE).content.decode()
    assert connection.key_prefix in html and DEFAULT_API_KEY not in html and WEBHOOK_SECRET not in html
    assert "Stripe is connected. The first sync has started." in html


def test_htmx_connect_answers_with_the_page_body(admin, org, stripe_server):
    response = admin.page_client().post("/stripe/connect/", {"stripe_key": DEFAULT_API_KEY}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="stripe-body"')
    assert 'id="stripe-key-masked"' in html and DEFAULT_API_KEY not in html


@pytest.mark.parametrize(
    ("key", "secret", "field", "message"),
    [
        ("", "", "stripe_key", "This field is required."),
        ("pk_live_0123456789abcdefghijkl", "", "stripe_key", "The Stripe key must be a restricted key"),
        ("rk_live_has spaces in it 0123456", "", "stripe_key", "The Stripe key is not well formed."),
        (DEFAULT_API_KEY, "not-a-secret", "webhook_secret", "must start with whsec_"),
        ("rk_test_unknown_to_stripe_00000000", "", "stripe_key", "Stripe did not accept this key"),
    ],
)
def test_a_bad_key_or_secret_is_named_next_to_its_field_and_nothing_is_saved(
    admin, org, stripe_server, key, secret, field, message
):
    response = admin.page_client().post("/stripe/connect/", {"stripe_key": key, "webhook_secret": secret})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html.split(f'id="id_{field}_error"')[1].split("</p>")[0]
    assert not StripeConnection.objects.filter(org=org).exists()
    assert not SyncRun.objects.filter(org=org).exists()
    if key:
        assert key not in html  # never echoed back, not even a wrong one
    assert 'aria-invalid="true"' in html


def test_connecting_twice_is_refused_above_the_form(admin, connection):
    response = admin.page_client().post("/stripe/connect/", {"stripe_key": DEFAULT_API_KEY}, **HX)
    assert response.status_code == 200  # a fragment with errors, which htmx swaps
    assert "already connected" in response.content.decode().split('id="stripe-form-error"')[1]
    assert StripeConnection.objects.filter(org=admin.org).count() == 1


# -- webhook secret ---------------------------------------------------------------------------


def test_admin_replaces_the_webhook_secret(admin, connection):
    new_secret = "whsec_replaced_signing_secret_0002"
    response = admin.page_client().post("/stripe/webhook-secret/", {"webhook_secret": new_secret}, **HX)
    html = response.content.decode()
    assert "Webhook signing secret saved." in html and new_secret not in html
    connection.refresh_from_db()
    assert decrypt(connection.encrypted_webhook_secret) == new_secret


def test_a_malformed_webhook_secret_changes_nothing(admin, connection):
    response = admin.page_client().post("/stripe/webhook-secret/", {"webhook_secret": "secret123"})
    assert response.status_code == 400
    assert "must start with whsec_" in response.content.decode().split('id="id_webhook_secret_error"')[1]
    connection.refresh_from_db()
    assert decrypt(connection.encrypted_webhook_secret) == WEBHOOK_SECRET


# -- disconnect -------------------------------------------------------------------------------


def test_the_disconnect_form_counts_what_a_disconnect_deletes(admin, org, synced):
    impact = disconnect_impact(org=org)
    assert impact.customers == StripeCustomer.objects.filter(org=org).count() > 0
    assert impact.invoices == StripeInvoice.objects.filter(org=org).count() > 0
    assert impact.revenue_days == RevenueDaily.objects.filter(org=org).count() > 0
    assert (impact.mappings, impact.sync_runs) == (1, 1)
    text = admin.page_client().get(PAGE).content.decode().split('id="disconnect-impact"')[1].split("</p>")[0]
    assert f"<strong>{impact.customers:,}</strong> mirrored Stripe customers" in text
    assert f"<strong>{impact.invoices:,}</strong> invoices" in text
    assert f"<strong>{impact.revenue_days:,}</strong> daily revenue rows" in text
    assert "<strong>1</strong> customer mapping," in text


def test_disconnect_without_the_typed_word_deletes_nothing(admin, org, synced):
    before = disconnect_impact(org=org)
    response = admin.page_client().post("/stripe/disconnect/", {"confirm": "yes"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Type “disconnect” to confirm; nothing was deleted." in html.split('id="id_confirm_error"')[1]
    assert disconnect_impact(org=org) == before and StripeConnection.objects.filter(org=org).exists()


def test_disconnect_with_the_typed_word_deletes_revenue_mirrors_runs_and_mappings(admin, org, synced):
    client = admin.page_client()
    response = client.post("/stripe/disconnect/", {"confirm": " Disconnect "})
    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert not StripeConnection.objects.filter(org=org).exists()
    impact = disconnect_impact(org=org)
    assert set(vars(impact).values()) == {0}
    html = client.get(PAGE).content.decode()
    assert 'id="stripe-connect-form"' in html and "Stripe is disconnected" in html


# -- sync now and progress --------------------------------------------------------------------


def test_sync_now_claims_a_run_whose_panel_polls_until_it_ends(
    member, org, connection, stripe_account, django_capture_on_commit_callbacks
):
    simple_account(stripe_account, invoices=4)
    client = member.page_client()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/stripe/sync/", **HX)
    run = SyncRun.objects.get(org=org)
    html = response.content.decode()
    assert (run.status, run.trigger, len(queued)) == ("running", "manual", 1)
    assert html.lstrip().startswith('<div id="sync-panel"')
    assert f'hx-get="/stripe/sync-runs/{run.pk}/" hx-trigger="every 1s"' in html
    assert 'value="0"' in html and "disabled" in html.split('id="sync-now-form"')[1]
    assert "HX-Trigger" not in response

    queued[0]()  # the task, as the worker would run it
    response = client.get(f"/stripe/sync-runs/{run.pk}/", **HX)
    html = response.content.decode()
    run.refresh_from_db()
    assert run.status == "succeeded" and run.stats["invoicesFetched"] == 4
    assert "hx-trigger" not in html.split(">")[0]  # polling stops
    assert '<progress id="sync-progress" max="100" value="100">' in html
    assert '<dd data-count="invoices">4</dd>' in html
    assert response["HX-Trigger"] == f'{{"syncRunFinished": {{"runId": "{run.pk}", "status": "succeeded"}}}}'
    # The connection's last sync and the disconnect counts follow out of band (members see no counts).
    assert '<div id="stripe-connection" hx-swap-oob="true">' in html
    assert 'id="disconnect-impact"' not in html


def test_an_admin_gets_the_new_disconnect_counts_when_a_run_ends(
    admin, org, connection, stripe_account, django_capture_on_commit_callbacks
):
    simple_account(stripe_account, invoices=2)
    client = admin.page_client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/stripe/sync/", **HX)
    run = SyncRun.objects.get(org=org)
    html = client.get(f"/stripe/sync-runs/{run.pk}/", **HX).content.decode()
    assert 'hx-swap-oob="true">Disconnecting deletes' in html
    assert "<strong>2</strong> mirrored Stripe customers" in html


def test_the_progress_fragment_reads_the_runs_progress_and_counters(viewer, org, connection):
    run = sync_run_claim(org=org, trigger="cron")
    SyncRun.objects.filter(pk=run.pk).update(
        stats={
            "phase": "invoices",
            "progress": 37,
            "pages": 6,
            "invoicesFetched": 512,
            "customersProcessed": 80,
        }
    )
    html = viewer.page_client().get(f"/stripe/sync-runs/{run.pk}/", **HX).content.decode()
    assert "Syncing: invoices" in html and 'value="37"' in html
    assert '<dd data-count="pages">6</dd>' in html and '<dd data-count="customers">80</dd>' in html
    assert 'id="sync-now-form"' not in html  # a viewer does not start syncs
    assert viewer.page_client().get(f"/stripe/sync-runs/{run.pk}/")["Location"] == PAGE  # without htmx


def test_sync_now_while_a_run_is_going_shows_that_run(member, org, connection):
    running = sync_run_claim(org=org, trigger="cron")
    html = member.page_client().post("/stripe/sync/", **HX).content.decode()
    assert "A sync is already running" in html and f"/stripe/sync-runs/{running.pk}/" in html
    assert SyncRun.objects.filter(org=org).count() == 1


def test_sync_now_without_javascript_redirects_to_the_page(
    member, org, connection, stripe_account, django_capture_on_commit_callbacks
):
    simple_account(stripe_account, invoices=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = member.page_client().post("/stripe/sync/")
    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert SyncRun.objects.get(org=org).status == "succeeded"


def test_a_sync_that_cannot_be_queued_frees_the_claim(
    member, org, connection, monkeypatch, django_capture_on_commit_callbacks
):
    from billing import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.revenue_sync_execute, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        member.page_client().post("/stripe/sync/", **HX)
    run = SyncRun.objects.get(org=org)
    assert run.status == "failed" and "could not be queued: broker unreachable" in run.error


# -- roles, CSRF, outsiders -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "path", "data"),
    [
        ("viewer", "/stripe/sync/", {}),
        ("member", "/stripe/connect/", {"stripe_key": DEFAULT_API_KEY}),
        ("member", "/stripe/webhook-secret/", {"webhook_secret": "whsec_taken_over_000000"}),
        ("member", "/stripe/disconnect/", {"confirm": "disconnect"}),
    ],
)
def test_posts_below_the_apis_role_are_refused(request, org, connection, persona, path, data):
    response = request.getfixturevalue(persona).page_client().post(path, data)
    assert response.status_code == 403
    connection.refresh_from_db()
    assert decrypt(connection.encrypted_webhook_secret) == WEBHOOK_SECRET
    assert not SyncRun.objects.filter(org=org).exists()


def test_a_post_without_the_csrf_token_is_refused(admin, org, connection):
    client = admin.page_client(enforce_csrf_checks=True)
    assert client.post("/stripe/disconnect/", {"confirm": "disconnect"}).status_code == 403
    assert client.post("/stripe/sync/").status_code == 403
    assert StripeConnection.objects.filter(org=org).exists()
    assert not SyncRun.objects.filter(org=org).exists()


def test_an_outsider_sees_nothing_of_the_org_and_cannot_reach_its_runs(outsider, other_org, synced, settings):
    dataset = StripeDataset()
    simple_account(dataset, invoices=2)
    with serve(dataset, api_keys=[OTHER_KEY]) as server:
        settings.STRIPE_API_BASE = server.url
        stripe_connect(org=other_org, stripe_key=OTHER_KEY, start_sync=False)
    client = outsider.page_client()
    html = client.get(PAGE).content.decode()
    assert "rk_test_riva" in html and "rk_test_marg" not in html
    assert str(synced.pk) not in html and "No sync has run yet." in html
    assert client.get(f"/stripe/sync-runs/{synced.pk}/", **HX).status_code == 404
    # The outsider's disconnect counts only the outsider's own (empty) mirrors.
    assert "<strong>0</strong> mirrored Stripe customers" in html
    client.post("/stripe/disconnect/", {"confirm": "disconnect"})
    assert StripeConnection.objects.filter(org=synced.org).exists()
    assert SyncRun.objects.filter(pk=synced.pk).exists()
