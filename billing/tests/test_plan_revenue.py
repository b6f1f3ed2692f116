"""Revenue per plan, read from invoice lines synced from the Stripe double through the real stripe library."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Sum

from billing.models import RevenueAllocation, StripeInvoiceLine
from billing.plans import plan_names, plan_revenue
from billing.sync import revenue_sync_run
from billing.tests.accounts import every_case_account

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


def test_plan_revenue_adds_up_to_each_customers_invoice_revenue(org, connection, stripe_account):
    cases = every_case_account(stripe_account)
    assert revenue_sync_run(org=org, trigger="manual").status == "succeeded"
    rows = plan_revenue(org=org, start=JAN, end=FEB)

    per_customer: dict[str, int] = defaultdict(int)
    for row in rows:
        assert row.month == JAN
        per_customer[row.stripe_customer_id] += row.amount_micro
    invoiced = dict(
        RevenueAllocation.objects.filter(org=org, source_type="invoice", day__gte=JAN, day__lt=FEB)
        .values_list("stripe_customer__stripe_id")
        .annotate(total=Sum("amount_micro"))
    )
    assert per_customer == {sid: total for sid, total in invoiced.items() if total}
    annual = [row for row in rows if row.stripe_customer_id == cases.annual]
    assert len(annual) == 1 and annual[0].price_id and annual[0].product_id.startswith("prod_")


def test_lines_keep_their_product_and_plans_are_named_by_price_nickname(org, connection, stripe_account):
    cases = every_case_account(stripe_account)
    revenue_sync_run(org=org, trigger="manual")
    line = StripeInvoiceLine.objects.filter(org=org, invoice__stripe_customer__stripe_id=cases.annual).get()
    assert line.product_id.startswith("prod_")
    assert plan_names(org=org).product_names[line.product_id] == "Team annual"
    StripeInvoiceLine.objects.filter(pk=line.pk).update(product_id="")  # stored before products were read
    (row,) = [r for r in plan_revenue(org=org, start=JAN, end=FEB) if r.stripe_customer_id == cases.annual]
    assert row.product_id == line.product_id


def test_another_orgs_lines_are_not_read(org, other_org, connection, stripe_account):
    every_case_account(stripe_account)
    revenue_sync_run(org=org, trigger="manual")
    assert plan_revenue(org=other_org, start=JAN, end=FEB) == []
