from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from billing.recognition import (
    AllocationResult,
    CreditNoteFacts,
    DailyAllocation,
    DiscountFacts,
    InvoiceFacts,
    InvoiceLineFacts,
    LineTax,
    Mrr,
    SubscriptionFacts,
    SubscriptionItemFacts,
    allocate_credit_note,
    allocate_invoice,
    allocated_micro,
    compute_mrr,
    invoice_net_micro,
    spread_over_days,
)
from margint.money import (
    currency_exponent,
    decimal_minor_to_micro,
    minor_to_micro,
)

CUSTOMER = "cus_QXg1o8vcGmoR32"
AS_OF = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def line(
    amount: int,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    discounts: tuple[int, ...] = (),
    taxes: tuple[LineTax, ...] = (),
) -> InvoiceLineFacts:
    return InvoiceLineFacts(
        amount_minor=amount,
        discount_amounts_minor=discounts,
        taxes=taxes,
        period_start=start,
        period_end=end,
    )


def invoice(*lines: InvoiceLineFacts, currency: str = "usd", paid_at: datetime | None = None) -> InvoiceFacts:
    return InvoiceFacts(
        stripe_customer_id=CUSTOMER,
        currency=currency,
        paid_at=paid_at or utc(2024, 5, 10, 9),
        lines=lines,
    )


def allocations(result: AllocationResult) -> list[tuple[date, int]]:
    assert result.skipped_currency is None
    assert {a.stripe_customer_id for a in result.allocations} <= {CUSTOMER}
    return [(a.day, a.amount_micro) for a in result.allocations]


def days_of(year: int, month: int, count: int) -> list[date]:
    first = date(year, month, 1)
    return [first + timedelta(days=offset) for offset in range(count)]


# --- Currency conversion ----------------------------------------------------------------------


def test_jpy_amount_has_no_minor_unit_so_each_yen_is_a_million_micro_units():
    assert minor_to_micro(1500, "jpy") == 1_500_000_000


def test_kwd_amount_is_in_fils_so_each_fils_is_a_thousand_micro_units():
    assert minor_to_micro(1234, "kwd") == 1_234_000


def test_usd_cent_is_ten_thousand_micro_units():
    assert minor_to_micro(199, "usd") == 1_990_000


def test_currency_codes_are_case_insensitive():
    assert minor_to_micro(1500, "JPY") == 1_500_000_000
    assert minor_to_micro(1234, "Kwd") == 1_234_000
    assert currency_exponent("EUR") == 2


STRIPE_ZERO_DECIMAL = ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"]
STRIPE_ZERO_DECIMAL += ["pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]


@pytest.mark.parametrize("currency", STRIPE_ZERO_DECIMAL)
def test_stripe_zero_decimal_currencies_have_exponent_zero(currency):
    assert currency_exponent(currency) == 0


@pytest.mark.parametrize("currency", ["bhd", "jod", "kwd", "omr", "tnd"])
def test_stripe_three_decimal_currencies_have_exponent_three(currency):
    assert currency_exponent(currency) == 3


@pytest.mark.parametrize("currency", ["usd", "eur", "gbp", "chf", "inr", "mxn"])
def test_other_currencies_have_exponent_two(currency):
    assert currency_exponent(currency) == 2


def test_negative_amount_keeps_its_sign():
    assert minor_to_micro(-250, "usd") == -2_500_000


def test_float_amount_is_refused():
    with pytest.raises(TypeError):
        minor_to_micro(12.5, "usd")


@pytest.mark.parametrize("code", ["us", "usdd", "", "u$d"])
def test_malformed_currency_code_is_refused(code):
    with pytest.raises(ValueError, match="ISO 4217"):
        minor_to_micro(100, code)


def test_decimal_amount_is_rounded_half_even_once():
    # 1.00005 cents = 10_000.5 micro-units (ties to even: down); 1.00015 = 10_001.5 (up).
    assert decimal_minor_to_micro(Decimal("1.00005"), "usd") == 10_000
    assert decimal_minor_to_micro(Decimal("1.00015"), "usd") == 10_002


# --- Spreading over days ----------------------------------------------------------------------


def test_monthly_line_over_30_days_gives_the_first_10_days_one_extra_micro_unit():
    # $100.00 over April: 100_000_000 / 30 = 3_333_333 remainder 10.
    result = allocate_invoice(
        invoice(line(10_000, utc(2024, 4, 1), utc(2024, 5, 1))), reporting_currency="usd"
    )

    expected = [(day, 3_333_334 if day.day <= 10 else 3_333_333) for day in days_of(2024, 4, 30)]
    assert allocations(result) == expected


def test_monthly_line_over_31_days_gives_the_first_14_days_one_extra_micro_unit():
    # $100.00 over January: 100_000_000 / 31 = 3_225_806 remainder 14.
    result = allocate_invoice(
        invoice(line(10_000, utc(2024, 1, 1), utc(2024, 2, 1))), reporting_currency="usd"
    )

    expected = [(day, 3_225_807 if day.day <= 14 else 3_225_806) for day in days_of(2024, 1, 31)]
    assert allocations(result) == expected


def test_period_ending_at_midnight_does_not_include_its_end_day():
    result = allocate_invoice(
        invoice(line(10_000, utc(2024, 4, 1), utc(2024, 5, 1))), reporting_currency="usd"
    )

    assert result.allocations[-1].day == date(2024, 4, 30)


def test_annual_prepaid_line_spreads_over_365_days():
    # $1,200.00 over 2025: 1_200_000_000 / 365 = 3_287_671 remainder 85 (days 1..85 get +1).
    result = allocate_invoice(
        invoice(line(120_000, utc(2025, 1, 1), utc(2026, 1, 1))), reporting_currency="usd"
    )

    by_day = dict(allocations(result))
    assert len(by_day) == 365
    assert by_day[date(2025, 1, 1)] == 3_287_672
    assert by_day[date(2025, 3, 26)] == 3_287_672  # day 85
    assert by_day[date(2025, 3, 27)] == 3_287_671  # day 86
    assert by_day[date(2025, 12, 31)] == 3_287_671
    assert sum(by_day.values()) == 1_200_000_000


def test_annual_prepaid_line_in_a_leap_year_spreads_over_366_days():
    # $1,200.00 over 2024: 1_200_000_000 / 366 = 3_278_688 remainder 192 (days 1..192 get +1).
    result = allocate_invoice(
        invoice(line(120_000, utc(2024, 1, 1), utc(2025, 1, 1))), reporting_currency="usd"
    )

    by_day = dict(allocations(result))
    assert len(by_day) == 366
    assert by_day[date(2024, 2, 29)] == 3_278_689
    assert by_day[date(2024, 7, 10)] == 3_278_689  # day 192
    assert by_day[date(2024, 7, 11)] == 3_278_688  # day 193
    assert by_day[date(2024, 12, 31)] == 3_278_688
    assert sum(by_day.values()) == 1_200_000_000


def test_period_not_aligned_to_midnight_gives_partial_days_their_share_of_time():
    # Noon to noon over three days: half a day, two full days, half a day.
    shares = spread_over_days(6_000_000, utc(2024, 3, 5, 12), utc(2024, 3, 8, 12))

    assert shares == (
        (date(2024, 3, 5), 1_000_000),
        (date(2024, 3, 6), 2_000_000),
        (date(2024, 3, 7), 2_000_000),
        (date(2024, 3, 8), 1_000_000),
    )


def test_leftover_goes_to_the_day_with_the_largest_dropped_fraction():
    # 10 over weights 1/3 and 2/3: exact 3.33 and 6.67, so the second day gets the extra unit.
    shares = spread_over_days(10, utc(2024, 3, 5, 12), utc(2024, 3, 7))

    assert shares == ((date(2024, 3, 5), 3), (date(2024, 3, 6), 7))


def test_negative_amount_is_split_as_the_mirror_of_the_positive_one():
    shares = spread_over_days(-100_000_000, utc(2024, 4, 1), utc(2024, 5, 1))

    assert shares[0] == (date(2024, 4, 1), -3_333_334)
    assert shares[9] == (date(2024, 4, 10), -3_333_334)
    assert shares[10] == (date(2024, 4, 11), -3_333_333)
    assert sum(share for _, share in shares) == -100_000_000


def test_period_in_another_utc_offset_is_spread_over_utc_days():
    paris_summer = timezone(timedelta(hours=2))
    start = datetime(2024, 4, 1, 2, 0, tzinfo=paris_summer)  # 2024-04-01 00:00 UTC
    end = datetime(2024, 5, 1, 2, 0, tzinfo=paris_summer)

    shares = spread_over_days(30_000_000, start, end)

    assert shares == tuple((day, 1_000_000) for day in days_of(2024, 4, 30))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        spread_over_days(100, datetime(2024, 4, 1), datetime(2024, 5, 1))


def test_period_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="must end after"):
        spread_over_days(100, utc(2024, 5, 1), utc(2024, 4, 1))


# --- Net of a line ----------------------------------------------------------------------------


def test_discounts_are_taken_off_the_line():
    result = allocate_invoice(invoice(line(5_000, discounts=(1_000, 250))), reporting_currency="usd")

    assert allocations(result) == [(date(2024, 5, 10), 37_500_000)]


def test_exclusive_tax_is_not_part_of_the_line_amount_and_is_not_removed():
    # $100.00 line with $20.00 VAT added on top: the customer pays $120, revenue is $100.
    vat = LineTax(amount_minor=2_000, tax_behavior="exclusive")

    result = allocate_invoice(invoice(line(10_000, taxes=(vat,))), reporting_currency="usd")

    assert allocations(result) == [(date(2024, 5, 10), 100_000_000)]


def test_inclusive_tax_is_removed_from_the_line_amount():
    # $120.00 line price including $20.00 VAT: revenue is $100, same as the exclusive case.
    vat = LineTax(amount_minor=2_000, tax_behavior="inclusive")

    result = allocate_invoice(invoice(line(12_000, taxes=(vat,))), reporting_currency="usd")

    assert allocations(result) == [(date(2024, 5, 10), 100_000_000)]


def test_discount_and_inclusive_tax_are_both_removed():
    vat = LineTax(amount_minor=1_333, tax_behavior="inclusive")

    net = invoice_net_micro(invoice(line(10_000, discounts=(2_000,), taxes=(vat,))))

    assert net == 66_670_000


def test_unknown_tax_behavior_is_refused():
    odd = LineTax(amount_minor=100, tax_behavior="unspecified")

    with pytest.raises(ValueError, match="tax_behavior"):
        allocate_invoice(invoice(line(1_000, taxes=(odd,))), reporting_currency="usd")


def test_prorated_upgrade_nets_the_credit_line_against_the_new_line_per_day():
    # Upgrade on Jan 16 from $30 to $60 a month: unused time credited, new price charged,
    # both for Jan 16 to Feb 1 (16 days): -15_480_000 / 16 = -967_500; 30_970_000 / 16 = 1_935_625.
    credit = line(-1_548, utc(2024, 1, 16), utc(2024, 2, 1))
    charge = line(3_097, utc(2024, 1, 16), utc(2024, 2, 1))

    result = allocate_invoice(invoice(credit, charge), reporting_currency="usd")

    assert allocations(result) == [(date(2024, 1, d), 968_125) for d in range(16, 32)]
    assert allocated_micro(result) == 15_490_000


def test_credit_line_alone_stays_negative():
    result = allocate_invoice(
        invoice(line(-1_548, utc(2024, 1, 16), utc(2024, 2, 1))), reporting_currency="usd"
    )

    assert allocations(result)[0] == (date(2024, 1, 16), -967_500)
    assert allocated_micro(result) == -15_480_000


def test_zero_amount_invoice_has_no_allocations():
    zero = invoice(line(0, utc(2024, 4, 1), utc(2024, 5, 1)))

    result = allocate_invoice(zero, reporting_currency="usd")

    assert result == AllocationResult(allocations=(), skipped_currency=None)
    assert invoice_net_micro(zero) == 0


def test_line_without_period_lands_on_the_utc_day_it_was_paid():
    # 01:30 in UTC+2 on June 1 is still May 31 in UTC.
    paid_at = datetime(2024, 6, 1, 1, 30, tzinfo=timezone(timedelta(hours=2)))

    result = allocate_invoice(invoice(line(2_500), paid_at=paid_at), reporting_currency="usd")

    assert result.allocations == (
        DailyAllocation(stripe_customer_id=CUSTOMER, day=date(2024, 5, 31), amount_micro=25_000_000),
    )


def test_one_off_line_with_equal_period_start_and_end_lands_on_the_paid_day():
    # Stripe's shape for one-off invoice items: period.start == period.end (1721954054).
    moment = datetime.fromtimestamp(1721954054, tz=UTC)
    one_off = line(1_000, moment, moment)

    result = allocate_invoice(invoice(one_off, paid_at=utc(2024, 8, 2, 8)), reporting_currency="usd")

    assert allocations(result) == [(date(2024, 8, 2), 10_000_000)]


def test_lines_of_one_invoice_are_summed_per_day():
    monthly = line(3_000, utc(2024, 4, 1), utc(2024, 5, 1))  # 1_000_000 a day
    setup_fee = line(500)

    result = allocate_invoice(
        invoice(monthly, setup_fee, paid_at=utc(2024, 4, 3, 15)), reporting_currency="usd"
    )

    by_day = dict(allocations(result))
    assert by_day[date(2024, 4, 2)] == 1_000_000
    assert by_day[date(2024, 4, 3)] == 6_000_000
    assert len(by_day) == 30


def test_jpy_invoice_is_allocated_for_a_jpy_organization():
    # ¥3,000 over April: 3_000_000_000 micro-units / 30 days.
    result = allocate_invoice(
        invoice(line(3_000, utc(2024, 4, 1), utc(2024, 5, 1)), currency="jpy"),
        reporting_currency="JPY",
    )

    assert set(dict(allocations(result)).values()) == {100_000_000}


def test_eur_invoice_is_skipped_for_a_usd_organization():
    eur = invoice(line(10_000, utc(2024, 4, 1), utc(2024, 5, 1)), currency="EUR")

    result = allocate_invoice(eur, reporting_currency="usd")

    assert result == AllocationResult(allocations=(), skipped_currency="eur")


# --- Credit notes -----------------------------------------------------------------------------


def credit_note(**overrides) -> CreditNoteFacts:
    fields = {
        "stripe_customer_id": CUSTOMER,
        "currency": "usd",
        "total_minor": 1_190,
        "created": utc(2024, 8, 10, 9),
        "total_excluding_tax_minor": 1_000,
        "total_taxes_minor": (190,),
        "effective_at": utc(2024, 8, 15, 10),
    }
    return CreditNoteFacts(**(fields | overrides))


def test_credit_note_subtracts_its_total_excluding_tax_on_its_effective_day():
    result = allocate_credit_note(credit_note(), reporting_currency="usd")

    assert result.allocations == (
        DailyAllocation(stripe_customer_id=CUSTOMER, day=date(2024, 8, 15), amount_micro=-10_000_000),
    )


def test_credit_note_without_total_excluding_tax_subtracts_total_minus_taxes():
    note = credit_note(total_minor=1_690, total_excluding_tax_minor=None, total_taxes_minor=(190,))

    result = allocate_credit_note(note, reporting_currency="usd")

    assert allocations(result) == [(date(2024, 8, 15), -15_000_000)]


def test_credit_note_without_effective_date_is_dated_by_its_creation():
    result = allocate_credit_note(credit_note(effective_at=None), reporting_currency="usd")

    assert allocations(result) == [(date(2024, 8, 10), -10_000_000)]


def test_credit_note_in_another_currency_is_skipped():
    result = allocate_credit_note(credit_note(currency="gbp"), reporting_currency="usd")

    assert result == AllocationResult(allocations=(), skipped_currency="gbp")


# --- Invariant: the days of an invoice sum to its net ----------------------------------------


def random_line(rng: random.Random) -> InvoiceLineFacts:
    amount = rng.randint(-2_000_000, 2_000_000)
    discounts = tuple(rng.randint(0, 50_000) for _ in range(rng.randint(0, 2)))
    taxes = tuple(
        LineTax(rng.randint(0, 90_000), rng.choice(["inclusive", "exclusive"]))
        for _ in range(rng.randint(0, 2))
    )
    if rng.random() < 0.2:
        return line(amount, discounts=discounts, taxes=taxes)
    start = utc(2020, 1, 1) + timedelta(seconds=rng.randint(0, 6 * 365 * 86_400))
    length = timedelta(seconds=rng.choice([0, rng.randint(1, 86_400), rng.randint(1, 1_100 * 86_400)]))
    return line(amount, start, start + length, discounts=discounts, taxes=taxes)


def expected_net_micro(facts: InvoiceFacts) -> int:
    scale = 10 ** (6 - currency_exponent(facts.currency))
    return sum(
        (
            item.amount_minor
            - sum(item.discount_amounts_minor)
            - sum(tax.amount_minor for tax in item.taxes if tax.tax_behavior == "inclusive")
        )
        * scale
        for item in facts.lines
    )


def test_days_of_any_invoice_sum_exactly_to_its_net():
    rng = random.Random(20240615)
    for _ in range(300):
        lines = tuple(random_line(rng) for _ in range(rng.randint(1, 4)))
        facts = invoice(*lines, currency=rng.choice(["usd", "jpy", "kwd"]))

        result = allocate_invoice(facts, reporting_currency=facts.currency)

        assert allocated_micro(result) == invoice_net_micro(facts) == expected_net_micro(facts)
        assert all(a.amount_micro != 0 for a in result.allocations)
        assert [a.day for a in result.allocations] == sorted({a.day for a in result.allocations})


def test_each_day_is_within_one_micro_unit_of_its_exact_time_share():
    rng = random.Random(7)
    for _ in range(300):
        amount = rng.randint(-(10**12), 10**12)
        start = utc(2023, 1, 1) + timedelta(microseconds=rng.randint(0, 10**15))
        end = start + timedelta(microseconds=rng.randint(1, 400 * 86_400 * 10**6))

        shares = spread_over_days(amount, start, end)

        whole = end - start
        for day, share in shares:
            day_start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
            overlap = min(end, day_start + timedelta(days=1)) - max(start, day_start)
            assert abs(share - Fraction(amount) * Fraction(overlap / whole)) < 1
        assert sum(share for _, share in shares) == amount
        assert shares[0][0] == start.date()
        assert shares[-1][0] == (end - timedelta(microseconds=1)).date()


def test_equal_days_differ_by_at_most_one_with_the_larger_shares_first():
    rng = random.Random(11)
    for _ in range(200):
        amount = rng.randint(0, 10**10)
        day_count = rng.randint(1, 400)
        start = utc(2024, 1, 1) + timedelta(days=rng.randint(0, 1_000))

        shares = [s for _, s in spread_over_days(amount, start, start + timedelta(days=day_count))]

        base, extra = divmod(amount, day_count)
        assert shares == [base + 1] * extra + [base] * (day_count - extra)


# --- MRR --------------------------------------------------------------------------------------


def item(
    unit_amount: str | None,
    interval: str = "month",
    *,
    quantity: int = 1,
    interval_count: int = 1,
    usage_type: str = "licensed",
    discounts: tuple[DiscountFacts, ...] = (),
) -> SubscriptionItemFacts:
    return SubscriptionItemFacts(
        unit_amount_minor=None if unit_amount is None else Decimal(unit_amount),
        quantity=quantity,
        interval=interval,
        interval_count=interval_count,
        usage_type=usage_type,
        discounts=discounts,
    )


def subscription(
    *items: SubscriptionItemFacts,
    status: str = "active",
    currency: str = "usd",
    discounts: tuple[DiscountFacts, ...] = (),
    trial_end: datetime | None = None,
) -> SubscriptionFacts:
    return SubscriptionFacts(
        status=status, currency=currency, items=items, discounts=discounts, trial_end=trial_end
    )


def mrr(*subscriptions: SubscriptionFacts, trailing: int = 0, currency: str = "usd") -> Mrr:
    return compute_mrr(
        subscriptions=subscriptions,
        trailing_30d_revenue_micro=trailing,
        as_of=AS_OF,
        currency=currency,
    )


def test_monthly_price_is_its_own_mrr():
    assert mrr(subscription(item("2000"))) == Mrr(20_000_000, "subscriptions")


def test_yearly_price_is_divided_by_twelve():
    assert mrr(subscription(item("120000", "year"))) == Mrr(100_000_000, "subscriptions")


def test_yearly_price_not_divisible_by_twelve_is_rounded_once_half_even():
    # $100.00 a year = 833.33.. cents a month = 8_333_333.33.. micro-units.
    assert mrr(subscription(item("10000", "year"))) == Mrr(8_333_333, "subscriptions")


def test_weekly_price_is_multiplied_by_52_twelfths():
    # $10.00 a week x 52 / 12 = 4333.33.. cents.
    assert mrr(subscription(item("1000", "week"))) == Mrr(43_333_333, "subscriptions")


def test_daily_price_is_multiplied_by_365_twelfths():
    # $1.00 a day x 365 / 12 = 3041.66.. cents.
    assert mrr(subscription(item("100", "day"))) == Mrr(30_416_667, "subscriptions")


def test_price_billed_every_three_months_is_divided_by_three():
    assert mrr(subscription(item("30000", interval_count=3))) == Mrr(100_000_000, "subscriptions")


def test_quantity_multiplies_the_unit_amount():
    assert mrr(subscription(item("2000", quantity=5))) == Mrr(100_000_000, "subscriptions")


def test_sub_cent_unit_amount_keeps_its_precision():
    assert mrr(subscription(item("0.5", quantity=3))) == Mrr(15_000, "subscriptions")


def test_jpy_subscription_is_counted_in_micro_yen():
    assert mrr(subscription(item("3000"), currency="jpy"), currency="JPY") == Mrr(
        3_000_000_000, "subscriptions"
    )


def test_several_subscriptions_are_summed_before_the_single_rounding():
    # Two $100.00 yearly prices: 1666.66.. cents together, 16_666_667 rather than 2 x 8_333_333.
    result = mrr(subscription(item("10000", "year")), subscription(item("10000", "year")))

    assert result == Mrr(16_666_667, "subscriptions")


def test_forever_percent_off_discount_is_applied():
    coupon = DiscountFacts(duration="forever", percent_off=Decimal("25.5"))

    result = mrr(subscription(item("10000"), discounts=(coupon,)))

    assert result == Mrr(74_500_000, "subscriptions")


def test_repeating_amount_off_discount_still_running_is_applied():
    coupon = DiscountFacts(duration="repeating", amount_off_minor=500, end=utc(2024, 9, 1))

    assert mrr(subscription(item("2000"), discounts=(coupon,))) == Mrr(15_000_000, "subscriptions")


def test_amount_off_on_a_yearly_subscription_comes_off_once_a_year():
    # ($1,200.00 - $120.00) / 12 = $90.00.
    coupon = DiscountFacts(duration="forever", amount_off_minor=12_000)

    result = mrr(subscription(item("120000", "year"), discounts=(coupon,)))

    assert result == Mrr(90_000_000, "subscriptions")


def test_repeating_discount_that_has_ended_is_not_applied():
    ended = DiscountFacts(duration="repeating", percent_off=Decimal(50), end=utc(2024, 6, 1))

    assert mrr(subscription(item("2000"), discounts=(ended,))) == Mrr(20_000_000, "subscriptions")


def test_once_discount_does_not_reduce_mrr():
    once = DiscountFacts(duration="once", percent_off=Decimal(50))

    assert mrr(subscription(item("2000"), discounts=(once,))) == Mrr(20_000_000, "subscriptions")


def test_discounts_apply_in_order_each_to_what_the_previous_left():
    # $100.00 - 10% = $90.00, then - $10.00 = $80.00.
    coupons = (
        DiscountFacts(duration="forever", percent_off=Decimal(10)),
        DiscountFacts(duration="forever", amount_off_minor=1_000),
    )

    assert mrr(subscription(item("10000"), discounts=coupons)) == Mrr(80_000_000, "subscriptions")


def test_item_discount_applies_to_its_item_only():
    half_off = DiscountFacts(duration="forever", percent_off=Decimal(50))

    result = mrr(subscription(item("2000", discounts=(half_off,)), item("3000")))

    assert result == Mrr(40_000_000, "subscriptions")


def test_amount_off_larger_than_the_price_brings_mrr_to_zero_not_below():
    coupon = DiscountFacts(duration="forever", amount_off_minor=5_000)

    assert mrr(subscription(item("2000"), discounts=(coupon,))) == Mrr(0, "subscriptions")


def test_past_due_subscription_is_counted():
    assert mrr(subscription(item("2000"), status="past_due")) == Mrr(20_000_000, "subscriptions")


@pytest.mark.parametrize(
    "status", ["trialing", "canceled", "incomplete", "incomplete_expired", "unpaid", "paused"]
)
def test_subscription_that_is_not_active_or_past_due_is_not_counted(status):
    assert mrr(subscription(item("2000"), status=status)) == Mrr(0, "none")


def test_active_subscription_whose_trial_ends_after_as_of_is_not_counted():
    in_trial = subscription(item("2000"), trial_end=utc(2024, 6, 20))

    assert mrr(in_trial) == Mrr(0, "none")


def test_active_subscription_whose_trial_has_ended_is_counted():
    after_trial = subscription(item("2000"), trial_end=utc(2024, 6, 1))

    assert mrr(after_trial) == Mrr(20_000_000, "subscriptions")


def test_metered_items_are_not_counted():
    sub = subscription(item("2000"), item("3", usage_type="metered", quantity=1_000))

    assert mrr(sub) == Mrr(20_000_000, "subscriptions")


def test_tiered_item_without_unit_amount_is_not_counted():
    assert mrr(subscription(item(None)), trailing=7_000_000) == Mrr(7_000_000, "invoices")


def test_subscription_in_another_currency_is_not_counted():
    assert mrr(subscription(item("2000"), currency="eur")) == Mrr(0, "none")


def test_customer_with_only_metered_usage_falls_back_to_trailing_invoices():
    metered_only = subscription(item("3", usage_type="metered"))

    assert mrr(metered_only, trailing=12_345_678) == Mrr(12_345_678, "invoices")


def test_customer_without_subscriptions_falls_back_to_trailing_invoices():
    assert mrr(trailing=5_000_000) == Mrr(5_000_000, "invoices")


def test_customer_without_subscriptions_or_revenue_has_no_mrr():
    assert mrr(trailing=0) == Mrr(0, "none")
    assert mrr(trailing=-2_000_000) == Mrr(0, "none")


def test_unknown_interval_is_refused():
    with pytest.raises(ValueError, match="interval"):
        mrr(subscription(item("2000", "fortnight")))
