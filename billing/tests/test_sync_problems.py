"""Where Stripe cannot be reached or refuses the key, the Stripe page and the overview say so in
plain words, with when the next try is; the exception's own text stays in the API and the logs."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.html import escape

from billing.sync import revenue_sync_run
from billing.tests.accounts import simple_account
from stripe_double import serve

FAILED_AT = datetime(2026, 12, 6, 14, 2, 30, tzinfo=UTC)


def problem_text(html: str) -> str:
    return html.split('class="msg msg-error sync-problem" role="alert">')[1].split("</p>")[0]


def test_unreachable_stripe_is_said_in_plain_words_with_the_next_try(
    admin, org, connection, stripe_server, clock_at, outsider
):
    clock_at(FAILED_AT)
    stripe_server.faults.server_error(503, "/v1/customers", times=None)

    run = revenue_sync_run(org=org, trigger="cron")

    assert run.status == "failed" and "503" in run.error  # the API's `error` keeps the details
    client = admin.page_client()
    for path in ("/stripe/", "/"):
        html = client.get(path).content.decode()
        text = problem_text(html)
        assert text.startswith("<strong>Couldn&#x27;t reach Stripe</strong> at ")
        assert 'datetime="2026-12-06T14:02:30Z"' in text  # when it failed
        assert "the next try is at" in text and 'datetime="2026-12-06T16:00:00Z"' in text  # beat: */2 h
        assert "Sync failing</span>" in html  # the badge, not "Active"
        assert escape(run.error) not in html and "HTTP 503" not in html  # ids may hold "503"
    runs = client.get("/stripe/", HTTP_HX_REQUEST="true").content.decode()
    assert "Couldn&#x27;t reach Stripe" in runs.split(f'id="run-{run.pk}"')[1].split("</tr>")[0]
    assert "reach Stripe" not in outsider.page_client().get("/").content.decode()


def test_a_key_stripe_refuses_says_what_to_do_instead_of_a_next_try(
    admin, org, connection, stripe_account, stripe_server, settings, clock_at
):
    simple_account(stripe_account, invoices=2)
    clock_at(FAILED_AT)
    stripe_server.stop()
    with serve(stripe_account, api_keys=("rk_test_some_other_key",)) as refusing:
        settings.STRIPE_API_BASE = refusing.url
        run = revenue_sync_run(org=org, trigger="cron")

    assert run.status == "failed"
    for path in ("/stripe/", "/"):
        html = admin.page_client().get(path).content.decode()
        text = problem_text(html)
        assert text.startswith("<strong>Stripe refused the key</strong> at ")
        assert "no sync runs until an admin connects a new key" in text and "next try" not in text
        assert "Key refused" in html
        assert escape(run.error) not in html


def test_a_later_successful_sync_clears_the_problem(admin, org, connection, stripe_server, stripe_account):
    simple_account(stripe_account, invoices=2)
    stripe_server.faults.server_error(503, "/v1/customers", times=None)
    revenue_sync_run(org=org, trigger="cron")
    stripe_server.faults.clear()

    assert revenue_sync_run(org=org, trigger="manual").status == "succeeded"

    html = admin.page_client().get("/stripe/").content.decode()
    assert "sync-problem" not in html and "Sync failing" not in html
