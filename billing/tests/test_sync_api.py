"""GET|POST /api/stripe/revenue-sync (cron bearer or member session), sync progress and status."""

from __future__ import annotations

import pytest

from billing.models import RevenueDaily, SyncRun
from billing.sync import sync_run_claim
from billing.tests.accounts import every_case_account, simple_account
from billing.tests.helpers import total

URL = "/api/stripe/revenue-sync"
CRON_SECRET = "cron-secret-for-tests-0123456789"


@pytest.fixture
def cron_secret(settings):
    settings.CRON_SECRET = CRON_SECRET
    return CRON_SECRET


def test_member_session_syncs_the_active_org_and_gets_the_manual_response(member, connection, stripe_account):
    every_case_account(stripe_account)

    response = member.client().post(URL)

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    run = SyncRun.objects.get(org=member.org)
    assert data == {
        "orgId": member.org.public_id,
        "customersProcessed": 8,
        "periodsUpdated": run.stats["periodsUpdated"],
        "autoMatchesCreated": 0,
        "invoicesFetched": 10,
        "invoicesSkipped": 2,
        "skippedCurrencies": {"eur": 2},
        "durationMs": run.stats["durationMs"],
        "runId": str(run.id),
    }
    # Every (customer, month) with revenue: 12 for the annual customer, January for six others.
    months = set(
        RevenueDaily.objects.filter(org=member.org).values_list("stripe_customer", "day__year", "day__month")
    )
    assert data["periodsUpdated"] == len(months) == 18
    assert run.trigger == "manual"


def test_get_works_like_post_for_a_session(admin, connection, stripe_account):
    simple_account(stripe_account, invoices=2)

    response = admin.client().get(URL)

    assert response.status_code == 200
    assert response.json()["data"]["invoicesFetched"] == 2


def test_a_sync_already_running_is_409(member, connection):
    running = sync_run_claim(org=member.org, trigger="cron")

    response = member.client().post(URL)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert response.json()["error"]["details"] == {"runId": str(running.pk)}


def test_a_failed_sync_is_502_with_the_run_to_resume(member, connection, stripe_account, stripe_server):
    simple_account(stripe_account, invoices=3)
    stripe_server.faults.server_error(500, "/v1/invoices", times=None)

    response = member.client().post(URL)

    assert response.status_code == 502
    error = response.json()["error"]
    run = SyncRun.objects.get(org=member.org)
    assert error["code"] == "sync_failed" and error["details"]["runId"] == str(run.pk)


def test_without_a_connection_the_manual_sync_is_404(member):
    assert member.client().post(URL).status_code == 404


def test_viewer_cannot_sync(viewer, connection):
    response = viewer.client().post(URL)

    assert response.status_code == 403
    assert not SyncRun.objects.exists()


def test_free_tier_gets_403_with_an_upgrade_pointer(free_admin):
    response = free_admin.client().post(URL)

    assert response.status_code == 403
    assert response.json()["error"]["details"]["upgradeUrl"] == "/upgrade/"


def test_signed_out_without_a_bearer_is_401(anon):
    assert anon.get(URL).status_code == 401


def test_the_cron_bearer_syncs_every_connected_pro_org(anon, cron_secret, org, connection, stripe_account):
    simple_account(stripe_account, invoices=4)

    response = anon.get(URL, HTTP_AUTHORIZATION=f"Bearer {cron_secret}")

    assert response.status_code == 200
    assert response.json() == {"data": {"synced": 1, "errors": 0, "skipped": 0}}
    assert total(org) == 4 * 10_000_000
    assert SyncRun.objects.get(org=org).trigger == "cron"


def test_the_cron_bearer_counts_a_failing_org_as_an_error(anon, cron_secret, org, connection, stripe_server):
    stripe_server.app.api_keys = frozenset()

    response = anon.post(URL, HTTP_AUTHORIZATION=f"Bearer {cron_secret}")

    assert response.json() == {"data": {"synced": 0, "errors": 1, "skipped": 0}}


def test_a_wrong_bearer_is_401_and_syncs_nothing(anon, cron_secret, connection):
    response = anon.get(URL, HTTP_AUTHORIZATION="Bearer not-the-secret")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_required"
    assert not SyncRun.objects.exists()


def test_a_bearer_is_401_when_no_cron_secret_is_configured(anon, settings, connection):
    settings.CRON_SECRET = ""

    assert anon.get(URL, HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert not SyncRun.objects.exists()


def test_a_member_session_with_a_wrong_bearer_is_still_401(member, cron_secret, connection):
    response = member.client().post(URL, HTTP_AUTHORIZATION="Bearer guess")

    assert response.status_code == 401


def test_an_outsider_syncs_their_own_org_only(outsider, org, connection, stripe_account):
    simple_account(stripe_account, invoices=2)

    response = outsider.client().post(URL)

    assert response.status_code == 404  # the outsider's org has no connection
    assert not SyncRun.objects.filter(org=org).exists()


# -- progress and status ---------------------------------------------------------------------


def test_a_sync_run_shows_its_progress_to_any_member_of_the_org(viewer, member, connection, stripe_account):
    simple_account(stripe_account, invoices=3)
    run_id = member.client().post(URL).json()["data"]["runId"]

    response = viewer.client().get(f"/api/stripe/sync-runs/{run_id}")

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["id"], data["status"], data["progress"], data["phase"]) == (run_id, "succeeded", 100, "done")
    assert data["stats"]["invoicesFetched"] == 3 and data["resumable"] is False


def test_a_running_sync_reports_its_phase_and_progress(viewer, connection):
    run = sync_run_claim(org=viewer.org, trigger="cron")
    SyncRun.objects.filter(pk=run.pk).update(
        stats={"phase": "invoices", "progress": 42, "invoicesFetched": 300}
    )

    data = viewer.client().get(f"/api/stripe/sync-runs/{run.pk}").json()["data"]

    assert (data["status"], data["phase"], data["progress"]) == ("running", "invoices", 42)


def test_an_outsider_cannot_see_another_orgs_sync_run(outsider, connection):
    run = sync_run_claim(org=connection.org, trigger="cron")

    assert outsider.client().get(f"/api/stripe/sync-runs/{run.pk}").status_code == 404


def test_status_shows_the_connection_and_the_last_runs(viewer, member, connection, stripe_account):
    simple_account(stripe_account, invoices=1)
    member.client().post(URL)

    response = viewer.client().get("/api/stripe/status")

    data = response.json()["data"]
    assert (data["connected"], data["status"], data["running"], data["webhookConfigured"]) == (
        True, "active", False, True,
    )  # fmt: skip
    assert data["connection"]["keyPrefix"] == "rk_test_marg...uble"
    assert data["webhookUrl"] == f"http://testserver/api/stripe/webhooks/{viewer.org.public_id}"
    assert [run["status"] for run in data["runs"]] == ["succeeded"]


def test_status_reads_with_a_fixed_number_of_queries(
    viewer, member, connection, stripe_account, django_assert_max_num_queries
):
    simple_account(stripe_account, invoices=1)
    for _ in range(3):
        member.client().post(URL)
    client = viewer.client()

    with django_assert_max_num_queries(12):
        assert client.get("/api/stripe/status").status_code == 200


def test_status_without_a_connection(viewer):
    data = viewer.client().get("/api/stripe/status").json()["data"]

    assert (data["connected"], data["status"], data["connection"], data["runs"]) == (
        False,
        "not_connected",
        None,
        [],
    )


def test_status_of_a_free_org_is_403(free_admin):
    assert free_admin.client().get("/api/stripe/status").status_code == 403


def test_an_outsider_sees_their_own_status_only(outsider, connection):
    data = outsider.client().get("/api/stripe/status").json()["data"]

    assert data["connected"] is False
