"""The revenue sync against the Stripe double, through the real stripe library."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection as db_connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from billing.models import (
    RevenueAllocation,
    RevenueDaily,
    StripeConnection,
    StripeCustomer,
    StripeInvoice,
    StripeInvoiceLine,
    SyncRun,
)
from billing.recognition import InvoiceLineFacts, LineTax, line_net_minor
from billing.selectors import orgs_to_sync
from billing.services import stripe_connect
from billing.sync import SyncAlreadyRunning, revenue_sync_run, sync_run_claim
from billing.tests.accounts import at, every_case_account, simple_account
from billing.tests.helpers import allocation_sums, daily, daily_table, snapshot, total
from margint.money import minor_to_micro
from stripe_double import DEFAULT_API_KEY, Line, demo_dataset, serve

JAN = [date(2026, 1, d) for d in range(1, 32)]


def sync(org) -> SyncRun:
    run = revenue_sync_run(org=org, trigger="manual")
    run.refresh_from_db()
    return run


def invoice_requests(server) -> list:
    """Requests of the window's invoice listing (the open-invoice listing asks status=open)."""
    return [
        r
        for r in server.app.requests_to("/v1/invoices")
        if r.path == "/v1/invoices" and "status" not in r.query
    ]


@pytest.fixture
def cases(stripe_account):
    return every_case_account(stripe_account)


def test_first_sync_books_annual_prorated_discounted_and_taxed_invoices_to_the_micro_unit(
    org, connection, cases
):
    run = sync(org)

    assert run.status == "succeeded", run.error
    annual = daily(org, cases.annual)
    assert len(annual) == 365 and sum(annual.values()) == 1_990_000_000
    # 1,990,000,000 / 365 = 5,452,054 remainder 290: the first 290 days carry one more micro-unit.
    assert annual[date(2026, 1, 1)] == annual[date(2026, 10, 17)] == 5_452_055
    assert annual[date(2026, 10, 18)] == annual[date(2026, 12, 31)] == 5_452_054
    assert daily(org, cases.prorated) == {date(2026, 1, d): 4_687_500 for d in range(16, 32)}
    discounted = daily(org, cases.discounted)
    assert discounted == {day: 1_264_517 if day.day <= 4 else 1_264_516 for day in JAN}
    assert sum(discounted.values()) == 39_200_000
    # $100 + $119 with $19 inclusive VAT: $200 net; the $8.88 exclusive tax was never in the amounts.
    assert daily(org, cases.taxed) == {date(2026, 1, 3): 200_000_000}


def test_first_sync_books_refunds_zero_deleted_customers_and_skips_other_currencies(
    org, connection, cases, stripe_server
):
    run = sync(org)

    assert daily(org, cases.refunded) == {date(2026, 1, 10): 199_000_000, date(2026, 1, 17): -99_500_000}
    assert daily(org, cases.zero) == {}
    assert daily(org, cases.deleted) == {date(2026, 1, 5): 49_000_000}
    gone = StripeCustomer.objects.get(org=org, stripe_id=cases.deleted)
    assert (gone.deleted, gone.name) == (True, "Gone Co")
    assert daily(org, cases.euro) == {}
    assert (run.stats["invoicesSkipped"], run.stats["skippedCurrencies"]) == (2, {"eur": 2})
    assert daily(org, cases.many_lines) == {date(2026, 1, 20): 25_000_000}
    many = StripeInvoice.objects.get(org=org, stripe_customer__stripe_id=cases.many_lines)
    assert StripeInvoiceLine.objects.filter(invoice=many).count() == 25
    # Ten lines came embedded; the other 15 from one page of /lines after the tenth.
    tenth = many.lines.order_by("id")[9].stripe_id
    follow_ups = stripe_server.app.requests_to(f"/v1/invoices/{many.stripe_id}/lines")
    assert [r.query["starting_after"] for r in follow_ups] == [tenth]


def test_run_records_counts_and_finishes_at_full_progress(org, connection, cases):
    run = sync(org)

    stats = run.stats
    assert (stats["customersProcessed"], stats["invoicesFetched"], stats["creditNotesFetched"]) == (8, 10, 1)
    assert (stats["phase"], stats["progress"]) == ("done", 100)
    assert run.cursor["phase"] == "done"
    connection.refresh_from_db()
    assert connection.last_synced_at == run.finished_at and connection.status == "active"


def test_every_invoice_allocations_sum_to_its_net_and_daily_revenue_sums_the_allocations(org, settings):
    with serve(demo_dataset(as_of=date(2026, 5, 1), seed=11)) as server:
        settings.STRIPE_API_BASE = server.url
        stripe_connect(org=org, stripe_key=DEFAULT_API_KEY, start_sync=False)
        assert sync(org).status == "succeeded"

    paid = StripeInvoice.objects.filter(org=org, status="paid", currency="usd").prefetch_related("lines")
    assert paid.count() > 100
    for invoice in paid:
        net = sum(minor_to_micro(line_net_minor(_facts(line)), "usd") for line in invoice.lines.all())
        allocated = RevenueAllocation.objects.filter(org=org, source_id=invoice.stripe_id).aggregate(
            s=Sum("amount_micro")
        )["s"]
        assert (allocated or 0) == net, invoice.stripe_id
    assert daily_table(org) == allocation_sums(org)


def _facts(line: StripeInvoiceLine) -> InvoiceLineFacts:
    return InvoiceLineFacts(
        amount_minor=line.amount,
        discount_amounts_minor=tuple(line.discount_amounts),
        taxes=tuple(LineTax(amount, behavior) for amount, behavior in line.taxes),
    )


def test_running_the_same_full_sync_twice_changes_nothing(org, connection, cases, settings):
    sync(org)
    before = snapshot(org)
    # An overlap longer than the account's history: the second run reads everything again.
    settings.STRIPE_SYNC_OVERLAP_HOURS = 24 * 365 * 10

    again = sync(org)

    assert again.status == "succeeded" and again.stats["invoicesFetched"] == 10
    # A run counts the documents it wrote without a rate; the unchanged EUR invoices are not
    # rewritten, and the period's unconverted amounts are read from the allocations instead.
    assert (again.stats["periodsUpdated"], again.stats["invoicesSkipped"]) == (0, 0)
    assert snapshot(org) == before


def test_a_second_sync_of_unchanged_data_writes_no_row_but_its_own_record(org, connection, cases, settings):
    sync(org)
    settings.STRIPE_SYNC_OVERLAP_HOURS = 24 * 365 * 10  # every object is read again

    with CaptureQueriesContext(db_connection) as queries:
        again = sync(org)

    assert again.status == "succeeded" and again.stats["customersProcessed"] > 0
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    written = {sql.split('"')[1] for sql in writes}
    assert written <= {"billing_syncrun", "billing_stripeconnection"}, writes


def test_a_run_resumed_with_daily_revenue_pending_rebuilds_the_whole_org(org, connection, cases):
    first = sync(org)
    expected = daily_table(org)
    # As if the run had failed after its pages and before its revenue phase, unable to settle.
    RevenueDaily.objects.filter(org=org).delete()
    SyncRun.objects.filter(pk=first.pk).update(
        status="failed", cursor={**first.cursor, "phase": "revenue", "revenuePending": True}
    )

    resumed = sync(org)

    assert resumed.status == "succeeded" and resumed.stats["resumedFrom"] == str(first.pk)
    assert daily_table(org) == expected == allocation_sums(org)


def test_later_sync_asks_only_for_invoices_created_since_the_last_one_minus_the_overlap(
    org, connection, cases, stripe_server
):
    first = sync(org)
    stripe_server.app.clear_requests()

    second = sync(org)

    listed_from = datetime.fromisoformat(first.cursor["listingStarted"])
    expected = int((listed_from - timedelta(hours=48)).timestamp())
    assert [r.query.get("created[gte]") for r in invoice_requests(stripe_server)] == [str(expected)]
    open_listing = [r.query for r in stripe_server.requests if r.query.get("status") == "open"]
    assert open_listing == [{"limit": "100", "status": "open"}]
    assert second.stats["invoicesFetched"] == 0


def test_rate_limit_in_the_middle_of_paging_is_retried_and_totals_are_exact(
    org, connection, stripe_account, stripe_server
):
    simple_account(stripe_account, invoices=250)
    stripe_server.faults.rate_limit("/v1/invoices", nth=2)

    run = sync(org)

    assert run.status == "succeeded", run.error
    assert total(org) == 250 * 10_000_000
    pages = invoice_requests(stripe_server)
    # Page 2 was refused once and asked again from the same cursor.
    assert len(pages) == 4 and pages[1].query == pages[2].query


def test_server_errors_are_retried_with_backoff(org, connection, stripe_account, stripe_server):
    simple_account(stripe_account, invoices=150)
    stripe_server.faults.server_error(503, "/v1/invoices", nth=2, times=2)

    run = sync(org)

    assert run.status == "succeeded"
    assert total(org) == 150 * 10_000_000
    assert len(invoice_requests(stripe_server)) == 4


def test_the_stripe_library_retries_a_server_error_itself_when_allowed(
    org, connection, stripe_account, stripe_server, settings
):
    settings.STRIPE_MAX_NETWORK_RETRIES, settings.STRIPE_RETRIES = 1, 0
    simple_account(stripe_account, invoices=3)
    stripe_server.faults.server_error(500, "/v1/invoices")

    run = sync(org)

    assert run.status == "succeeded"
    assert total(org) == 3 * 10_000_000


def test_a_truncated_page_is_read_again(org, connection, stripe_account, stripe_server):
    simple_account(stripe_account, invoices=120)
    stripe_server.faults.truncated_body("/v1/invoices", nth=2)

    run = sync(org)

    assert run.status == "succeeded"
    assert total(org) == 120 * 10_000_000


def test_a_page_that_keeps_failing_leaves_the_run_failed_with_nothing_half_counted(
    org, connection, stripe_account, stripe_server
):
    customers = simple_account(stripe_account, invoices=250)
    stripe_server.faults.server_error(500, "/v1/invoices", nth=2, times=None)

    run = sync(org)

    assert run.status == "failed" and "500" in run.error
    # Newest first: the first page was the 100 newest invoices, all counted; nothing after it.
    assert total(org) == 100 * 10_000_000
    assert set(RevenueAllocation.objects.values_list("stripe_customer__stripe_id", flat=True)) == set(
        customers[150:]
    )
    newest_100 = StripeInvoice.objects.filter(org=org).order_by("created").first()
    assert run.cursor == {**run.cursor, "phase": "invoices", "after": newest_100.stripe_id}
    connection.refresh_from_db()
    assert connection.status == "active" and "500" in connection.last_error


def test_the_next_sync_resumes_from_the_cursor_and_completes_with_exact_totals(
    org, connection, stripe_account, stripe_server
):
    simple_account(stripe_account, invoices=250)
    stripe_server.faults.server_error(500, "/v1/invoices", nth=2, times=None)
    failed = sync(org)
    stripe_server.faults.clear()
    stripe_server.app.clear_requests()

    resumed = sync(org)

    assert resumed.status == "succeeded"
    assert resumed.stats["resumedFrom"] == str(failed.pk)
    assert invoice_requests(stripe_server)[0].query["starting_after"] == failed.cursor["after"]
    assert [r.path for r in stripe_server.requests if r.path == "/v1/customers"] == []
    assert total(org) == 250 * 10_000_000
    paid_days = Counter(
        (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n + 1)).date() for n in range(250)
    )
    per_day = RevenueDaily.objects.filter(org=org).values_list("day").annotate(s=Sum("amount_micro"))
    assert dict(per_day) == {day: count * 10_000_000 for day, count in paid_days.items()}
    assert daily_table(org) == allocation_sums(org)


def test_a_rejected_key_marks_the_connection_revoked(org, connection, stripe_account, stripe_server):
    simple_account(stripe_account, invoices=2)
    stripe_server.app.api_keys = frozenset({"rk_test_some_other_key"})

    run = sync(org)

    connection.refresh_from_db()
    assert run.status == "failed"
    assert connection.status == StripeConnection.Status.REVOKED
    assert "Invalid API Key provided" in connection.last_error
    assert orgs_to_sync() == []


def test_a_customer_deleted_after_it_was_synced_is_flagged_and_keeps_its_name(
    org, connection, stripe_account, stripe_server
):
    kept, gone = simple_account(stripe_account, invoices=2)
    sync(org)
    stripe_account.delete_customer(gone)

    sync(org)

    flags = dict(StripeCustomer.objects.filter(org=org).values_list("stripe_id", "deleted"))
    assert flags == {kept: False, gone: True}
    assert StripeCustomer.objects.get(org=org, stripe_id=gone).name == "Customer 001"
    assert daily(org, gone) == {date(2026, 1, 1): 10_000_000}


def test_an_open_invoice_paid_after_the_sync_window_is_read_again_and_booked(
    org, connection, stripe_account, stripe_server
):
    customer = stripe_account.add_customer(created=at(2026, 1, 1), name="Late Payer")["id"]
    invoice = stripe_account.add_invoice(customer=customer, created=at(2026, 1, 2), status="open", lines=[
        Line(amount=5000, period_start=at(2026, 1, 2), period_end=at(2026, 1, 2)),
    ])  # fmt: skip
    sync(org)
    assert daily(org, customer) == {}
    invoice.update(status="paid", amount_paid=5000, amount_remaining=0)
    invoice["status_transitions"]["paid_at"] = at(2026, 2, 3, 8)

    run = sync(org)

    assert daily(org, customer) == {date(2026, 2, 3): 50_000_000}
    assert run.stats["invoicesFetched"] == 1
    assert stripe_server.app.requests_to(f"/v1/invoices/{invoice['id']}")


def test_a_run_left_running_past_the_hard_time_limit_is_failed_and_the_claim_freed(
    org, connection, stripe_account
):
    simple_account(stripe_account, invoices=1)
    stuck = SyncRun.objects.create(org=org, status="running")
    SyncRun.objects.filter(pk=stuck.pk).update(started_at=stuck.started_at - timedelta(hours=1))

    run = sync(org)

    stuck.refresh_from_db()
    assert (stuck.status, run.status) == ("failed", "succeeded")
    assert stuck.error.startswith("Abandoned")


def test_a_second_claim_is_refused_while_a_run_is_running(org, connection):
    first = sync_run_claim(org=org, trigger="manual")

    with pytest.raises(SyncAlreadyRunning) as refused:
        sync_run_claim(org=org, trigger="cron")

    assert refused.value.run_id == first.pk


def test_syncing_one_org_never_reads_or_writes_another_orgs_revenue(
    org, other_org, connection, stripe_account, stripe_server, settings
):
    simple_account(stripe_account, invoices=3)
    other_account = demo_dataset(as_of=date(2026, 3, 1), seed=5, customers=12, months=3)
    with serve(other_account, api_keys=["rk_test_rival_account_key"]) as other_server:
        settings.STRIPE_API_BASE = other_server.url
        stripe_connect(org=other_org, stripe_key="rk_test_rival_account_key", start_sync=False)
        revenue_sync_run(org=other_org, trigger="manual")
    other_before = snapshot(other_org)
    settings.STRIPE_API_BASE = stripe_server.url

    sync(org)

    assert snapshot(other_org) == other_before
    assert total(org) == 3 * 10_000_000
    ours = set(StripeCustomer.objects.filter(org=org).values_list("stripe_id", flat=True))
    theirs = set(StripeCustomer.objects.filter(org=other_org).values_list("stripe_id", flat=True))
    assert len(ours) == 3 and len(theirs) == 12 and not ours & theirs
    assert {r.api_key for r in stripe_server.requests} == {DEFAULT_API_KEY}


def test_an_open_invoice_from_before_the_window_is_kept_current_by_the_open_listing(
    org, connection, stripe_account, stripe_server
):
    customer = stripe_account.add_customer(created=at(2026, 1, 1), name="Slow Payer")["id"]
    invoice = stripe_account.add_invoice(customer=customer, created=at(2026, 1, 2), status="open", lines=[
        Line(amount=5000, period_start=at(2026, 1, 2), period_end=at(2026, 1, 2)),
    ])  # fmt: skip
    sync(org)
    invoice["attempt_count"] = 3
    stripe_server.app.clear_requests()

    run = sync(org)

    assert StripeInvoice.objects.get(org=org, stripe_id=invoice["id"]).attempt_count == 3
    assert stripe_server.app.requests_to(f"/v1/invoices/{invoice['id']}") == []
    assert run.stats["invoicesFetched"] == 1


def test_after_a_resumed_sync_the_next_window_starts_from_the_listing_the_failed_run_began(
    org, connection, stripe_account, stripe_server
):
    simple_account(stripe_account, invoices=150)
    stripe_server.faults.server_error(500, "/v1/invoices", nth=2, times=None)
    failed = sync(org)
    stripe_server.faults.clear()
    resumed = sync(org)
    # The resumed run started long after the failed one began listing: invoices created in
    # between were never listed, so the next window must reach back to the first listing.
    SyncRun.objects.filter(pk=resumed.pk).update(started_at=resumed.started_at + timedelta(days=10))
    stripe_server.app.clear_requests()

    sync(org)

    listed_from = datetime.fromisoformat(failed.cursor["listingStarted"])
    expected = int((listed_from - timedelta(hours=48)).timestamp())
    assert [r.query.get("created[gte]") for r in invoice_requests(stripe_server)] == [str(expected)]


def test_the_monthly_revenue_totals_follow_the_days_a_sync_writes(org, connection, cases, settings):
    from margins.models import CustomerMonthlyRevenue

    def kept(model, period) -> dict:
        rows = model.objects.filter(org=org).values_list("stripe_customer_id", period, "amount_micro")
        return {(customer, start): amount for customer, start, amount in rows if amount}

    def from_days(period_of) -> dict:
        sums: Counter = Counter()
        for customer, day, amount in RevenueDaily.objects.filter(org=org).values_list(
            "stripe_customer_id", "day", "amount_micro"
        ):
            sums[(customer, period_of(day))] += amount
        return {key: amount for key, amount in sums.items() if amount}

    for _ in range(2):  # the second run reads everything again and rewrites what it recomputes
        assert sync(org).status == "succeeded"
        settings.STRIPE_SYNC_OVERLAP_HOURS = 24 * 365 * 10
        assert len(from_days(lambda day: day.replace(day=1))) > 3
        assert kept(CustomerMonthlyRevenue, "month") == from_days(lambda day: day.replace(day=1))
