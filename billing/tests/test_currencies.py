"""Known answers in several currencies: settlement, rate table with gaps, credit notes, a change of
reporting currency. Every expected figure is worked out by hand from docs/currencies.md's rule:
micro-units of the document times the exact rate, rounded once half to even."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from billing.models import RevenueAllocation, StripeInvoice
from billing.selectors import sync_status
from billing.sync import revenue_sync_run
from billing.tests.helpers import daily
from mappings.tests.factories import map_tag
from margint.fx.models import CurrencyRebuild
from margint.services import organization_update_settings
from stripe_double import Line

SAMPLE = Path(__file__).resolve().parents[2] / "margint" / "fx" / "sample" / "eurofxref-hist-sample.csv"


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def rates(db):
    call_command("import_fx_rates", str(SAMPLE))


@pytest.fixture
def account(stripe_account):
    # The account settles in USD: 1 EUR = 1.1735 USD, 1 GBP = 1.3412 USD on its charges.
    stripe_account.settlement_currency = "usd"
    stripe_account.settlement_rates = {"eur": Decimal("1.1735"), "gbp": Decimal("1.3412")}
    euro = stripe_account.add_customer(
        created=at(1), name="Euro GmbH", email="eu@example.com", currency="eur"
    )["id"]
    brit = stripe_account.add_customer(
        created=at(1), name="Brit Ltd", email="uk@example.com", currency="gbp"
    )["id"]

    def one_off(customer, amount, currency, created, status="paid", paid_at=None):
        line = Line(amount=amount, period_start=created, period_end=created, description="Plan")
        return stripe_account.add_invoice(
            customer=customer,
            lines=[line],
            created=created,
            status=status,
            currency=currency,
            paid_at=paid_at,
        )

    paid_eur = one_off(euro, 10_000, "eur", at(5), paid_at=at(10))  # paid on a Saturday
    open_eur = one_off(euro, 5_000, "eur", at(14), status="open")  # a day of N/A: 13th's rate
    paid_gbp = one_off(brit, 20_000, "gbp", at(6), paid_at=at(6))
    stripe_account.add_credit_note(invoice=paid_gbp["id"], amount=5_000, created=at(11))  # Sunday
    return {"euro": euro, "brit": brit, "paid_eur": paid_eur, "open_eur": open_eur, "paid_gbp": paid_gbp}


def sync(org):
    run = revenue_sync_run(org=org, trigger="manual")
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    return run


def test_paid_invoices_convert_at_the_settlement_open_and_credit_notes_at_the_rate_table(
    org, connection, account, rates
):
    sync(org)

    # EUR 100.00 settled as USD 117.35 (10000 x 1.1735 = 11735 cents): exactly what Stripe settled.
    assert daily(org, account["euro"]) == {date(2026, 1, 10): 117_350_000}
    # GBP 200.00 settled as USD 268.24; the GBP 50.00 credit note of Sunday the 11th takes Friday
    # the 9th's rates: 50 x 1.1750 / 0.87500 = 67.142857... -> 67_142_857 micro-units.
    assert daily(org, account["brit"]) == {date(2026, 1, 6): 268_240_000, date(2026, 1, 11): -67_142_857}
    paid = StripeInvoice.objects.get(stripe_id=account["paid_eur"]["id"])
    assert (paid.fx_source, paid.settled_amount, paid.settled_currency) == ("settlement", 11_735, "usd")
    assert paid.settled_exchange_rate == Decimal("1.1735") and paid.fx_rate == Decimal("1.173500000000")
    # The open invoice is no revenue, but shows its conversion: EUR 50.00 on the 14th (all N/A)
    # takes the 13th's USD 1.1700: 58.50 USD.
    still_open = StripeInvoice.objects.get(stripe_id=account["open_eur"]["id"])
    assert (still_open.fx_source, still_open.reporting_net_micro) == ("rate_table", 58_500_000)
    assert still_open.fx_rate_day == date(2026, 1, 14)
    note = RevenueAllocation.objects.get(org=org, source_type="credit_note")
    assert (note.original_micro, note.currency, note.rate_source) == (-50_000_000, "gbp", "rate_table")
    assert sync_status(org=org, start=date(2026, 1, 1), end=date(2026, 2, 1)).skipped_currencies == {}


def test_an_account_without_payment_details_converts_paid_invoices_at_the_rate_table(
    org, connection, account, rates, stripe_account
):
    stripe_account.payment_details_hidden = True

    sync(org)

    # EUR 100.00 paid on Saturday the 10th: Friday the 9th's 1.1750 -> USD 117.50.
    assert daily(org, account["euro"]) == {date(2026, 1, 10): 117_500_000}
    # GBP 200.00 on the 6th: 200 x 1.1760 / 0.87100 = 270.034443... -> 270_034_443.
    assert daily(org, account["brit"])[date(2026, 1, 6)] == 270_034_443
    assert connection.__class__.objects.get(pk=connection.pk).status == "active"


def test_without_any_rate_the_amounts_are_kept_and_counted_for_their_period(org, connection, account):
    sync(org)

    assert daily(org, account["brit"]) == {date(2026, 1, 6): 268_240_000}
    january = sync_status(org=org, start=date(2026, 1, 1), end=date(2026, 2, 1))
    # The settled invoices need no table; the GBP credit note does, and stays unconverted.
    assert january.skipped_currencies == {"gbp": -50_000_000}
    assert sync_status(org=org, start=date(2026, 2, 1), end=date(2026, 3, 1)).skipped_currencies == {}


def test_rates_imported_later_convert_what_had_none(
    org, connection, account, django_capture_on_commit_callbacks
):
    sync(org)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_fx_rates", str(SAMPLE))

    assert daily(org, account["brit"])[date(2026, 1, 11)] == -67_142_857
    assert sync_status(org=org, start=date(2026, 1, 1), end=date(2026, 2, 1)).skipped_currencies == {}


def test_changing_the_reporting_currency_converts_every_amount_again(
    org, connection, account, rates, django_capture_on_commit_callbacks
):
    sync(org)

    with django_capture_on_commit_callbacks(execute=True):
        org = organization_update_settings(org=org, reporting_currency="gbp")

    rebuild = CurrencyRebuild.objects.get(org=org)
    assert (rebuild.currency, rebuild.status, rebuild.done, rebuild.total) == ("gbp", "succeeded", 4, 4)
    # The EUR invoice's settlement is in USD, not GBP: the table on the 10th (the 9th's rates):
    # 100 x 0.87500 / 1 = GBP 87.50.
    assert daily(org, account["euro"]) == {date(2026, 1, 10): 87_500_000}
    # GBP documents are now in the reporting currency: as they were, rate 1.
    assert daily(org, account["brit"]) == {date(2026, 1, 6): 200_000_000, date(2026, 1, 11): -50_000_000}
    sources = set(RevenueAllocation.objects.filter(org=org).values_list("rate_source", flat=True))
    assert sources == {"rate_table", "same_currency"}


def test_a_currency_without_rates_is_refused(org, rates):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="SEK has no exchange rates"):
        organization_update_settings(org=org, reporting_currency="sek")


def test_the_customer_page_shows_invoice_by_invoice_how_each_amount_was_converted(
    org, connection, account, rates, viewer, outsider
):
    sync(org)
    map_tag(org, account["euro"], "euro-team")
    map_tag(org, account["brit"], "euro-team")

    html = viewer.page_client().get("/margins/euro-team/?period=2026-01").content.decode()

    section = html.split('id="customer-documents"', 1)[1].split("</section>", 1)[0]
    rows = dict(re.findall(r'<tr data-document="([^"]+)">(.*?)</tr>', section, flags=re.S))
    paid = rows[account["paid_eur"]["id"]]
    assert "€100.00" in paid and "1.1735" in paid and "Stripe settlement" in paid and "$117.35" in paid
    still_open = rows[account["open_eur"]["id"]]
    assert "not revenue" in still_open and "€50.00" in still_open and "rate table, 2026-01-14" in still_open
    assert "$58.50" in still_open
    note = next(row for key, row in rows.items() if key.startswith("cn_"))
    assert "-£50.00" in note and "rate table, 2026-01-11" in note and "-$67.14" in note
    assert outsider.page_client().get("/margins/euro-team/?period=2026-01").status_code == 404
