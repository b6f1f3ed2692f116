"""MRR per Stripe customer through the selector, from subscriptions synced off the double."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from billing.selectors import CustomerMrr, mrr_by_customer, mrr_trailing_range
from billing.sync import revenue_sync_run
from billing.tests.accounts import JAN_1, at
from stripe_double import Line

AS_OF = datetime(2026, 2, 15, 12, tzinfo=UTC)


def coupon_discount(
    percent_off: float | None = None, amount_off: int | None = None, duration="forever"
) -> dict:
    """A discount as Stripe returns it with `source.coupon` expanded."""
    coupon = {"id": "CPN", "object": "coupon", "duration": duration, "percent_off": percent_off,
              "amount_off": amount_off, "currency": "usd" if amount_off else None}  # fmt: skip
    return {"id": f"di_{duration}_{percent_off}_{amount_off}", "object": "discount", "end": None,
            "source": {"type": "coupon", "coupon": coupon}}  # fmt: skip


def subscribe(account, name: str, prices: list[tuple[dict, int]], **options) -> str:
    customer = account.add_customer(created=JAN_1, name=name)["id"]
    account.add_subscription(
        customer=customer, items=[(p["id"], q) for p, q in prices], created=JAN_1, **options
    )
    return customer


def test_mrr_normalizes_intervals_quantities_and_discounts(org, connection, stripe_account):
    price = stripe_account.add_price
    yearly = subscribe(
        stripe_account, "Yearly", [(price(unit_amount=120000, created=JAN_1, interval="year"), 2)]
    )
    weekly = subscribe(
        stripe_account, "Weekly", [(price(unit_amount=1000, created=JAN_1, interval="week"), 1)]
    )
    quarterly = subscribe(
        stripe_account, "Quarterly", [(price(unit_amount=30000, created=JAN_1, interval_count=3), 1)]
    )
    discounted_id = subscribe(stripe_account, "Coupon", [(price(unit_amount=10000, created=JAN_1), 1)])
    stripe_account.objects["subscriptions"][_sub_of(stripe_account, discounted_id)]["discounts"] = [
        coupon_discount(percent_off=25.5)
    ]
    once = subscribe(stripe_account, "Once", [(price(unit_amount=10000, created=JAN_1), 1)])
    stripe_account.objects["subscriptions"][_sub_of(stripe_account, once)]["discounts"] = [
        coupon_discount(amount_off=5000, duration="once")
    ]
    revenue_sync_run(org=org, trigger="manual")

    mrr = mrr_by_customer(org=org, as_of=AS_OF)

    assert mrr[yearly] == CustomerMrr(200_000_000, "subscriptions")  # 2 x $1,200 / 12
    assert mrr[weekly] == CustomerMrr(43_333_333, "subscriptions")  # $10 x 52 / 12
    assert mrr[quarterly] == CustomerMrr(100_000_000, "subscriptions")  # $300 / 3
    assert mrr[discounted_id] == CustomerMrr(74_500_000, "subscriptions")  # $100 - 25.5%
    assert mrr[once] == CustomerMrr(100_000_000, "subscriptions")  # a one-time coupon does not recur


def test_trials_metered_usage_and_canceled_subscriptions_do_not_count(org, connection, stripe_account):
    price = stripe_account.add_price
    trial = subscribe(stripe_account, "Trial", [(price(unit_amount=5000, created=JAN_1), 1)], status="trialing",
                      trial_end=at(2026, 3, 1))  # fmt: skip
    metered = subscribe(
        stripe_account, "Metered", [(price(unit_amount=3, created=JAN_1, usage_type="metered"), 1)]
    )
    stripe_account.add_invoice(customer=metered, created=at(2026, 2, 1), lines=[
        Line(amount=5000, period_start=at(2026, 2, 1), period_end=at(2026, 2, 1)),
    ])  # fmt: skip
    canceled = subscribe(stripe_account, "Canceled", [(price(unit_amount=5000, created=JAN_1), 1)],
                         status="canceled", canceled_at=at(2026, 1, 20))  # fmt: skip
    past_due = subscribe(
        stripe_account, "Late", [(price(unit_amount=7000, created=JAN_1), 1)], status="past_due"
    )
    revenue_sync_run(org=org, trigger="manual")

    mrr = mrr_by_customer(org=org, as_of=AS_OF)

    assert trial not in mrr and canceled not in mrr
    # Metered only: the trailing 30 days of recognized revenue stand in.
    assert mrr[metered] == CustomerMrr(50_000_000, "invoices")
    assert mrr[past_due] == CustomerMrr(70_000_000, "subscriptions")


def test_mrr_of_another_org_is_never_mixed_in(org, other_org, connection, stripe_account):
    subscribe(stripe_account, "Ours", [(stripe_account.add_price(unit_amount=1000, created=JAN_1), 1)])
    revenue_sync_run(org=org, trigger="manual")

    assert mrr_by_customer(org=other_org, as_of=AS_OF) == {}
    assert len(mrr_by_customer(org=org, as_of=AS_OF)) == 1


def _sub_of(account, customer: str) -> str:
    return next(sub["id"] for sub in account.objects["subscriptions"].values() if sub["customer"] == customer)


def test_the_day_of_as_of_counts_in_the_trailing_window(org, connection, stripe_account):
    customer = stripe_account.add_customer(created=JAN_1, name="Edge")["id"]
    stripe_account.add_invoice(customer=customer, created=at(2026, 2, 15), lines=[
        Line(amount=700, period_start=at(2026, 2, 15), period_end=at(2026, 2, 15)),
    ])  # fmt: skip
    stripe_account.add_invoice(customer=customer, created=at(2026, 1, 17), lines=[
        Line(amount=300, period_start=at(2026, 1, 17), period_end=at(2026, 1, 17)),
    ])  # fmt: skip
    stripe_account.add_invoice(customer=customer, created=at(2026, 1, 16), lines=[
        Line(amount=9900, period_start=at(2026, 1, 16), period_end=at(2026, 1, 16)),
    ])  # fmt: skip
    revenue_sync_run(org=org, trigger="manual")

    # The 30 days ending with as_of's day are Jan 17 .. Feb 15: $7 + $3; Jan 16 is outside.
    assert mrr_by_customer(org=org, as_of=AS_OF)[customer] == CustomerMrr(10_000_000, "invoices")


def test_the_trailing_days_are_utc_days_whatever_the_offset_of_the_moment():
    evening_in_new_york = datetime(
        2026, 3, 18, 23, 30, tzinfo=timezone(timedelta(hours=-5))
    )  # 04:30 UTC on 03-19
    assert mrr_trailing_range(evening_in_new_york) == (date(2026, 2, 18), date(2026, 3, 20))
    assert mrr_trailing_range(datetime(2026, 3, 19, 4, 30, tzinfo=UTC)) == (
        date(2026, 2, 18),
        date(2026, 3, 20),
    )
