"""GET /v0/profitability: validation, the merchant check, exact rows, the Other row, warnings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.models import StripeConnection, StripeCustomer, SyncRun
from billing.tests.factories import add_unconverted
from margins.models import Customer
from margint.fx.models import ExchangeRate
from publicapi.tests.factories import add_cost, add_revenue, map_tag
from publicapi.tests.key_helpers import key_for, keyed_client


def _url(org, **params):
    query = {
        "merchantId": org.public_id,
        "from": "2026-03-10T00:00:00Z",
        "to": "2026-03-13T00:00:00Z",
        **params,
    }
    return "/v0/profitability?" + "&".join(f"{k}={v}" for k, v in query.items() if v is not None)


@pytest.fixture
def spine(org, other_org, frozen_now):
    map_tag(org, "cus_a", "acme")
    map_tag(org, "cus_b", "beta")
    map_tag(org, "cus_d", "delta")
    add_revenue(org, "cus_a", date(2026, 3, 10), 10_000_000)
    add_revenue(org, "cus_a", date(2026, 3, 12), 5_000_000)
    add_revenue(org, "cus_a", date(2026, 3, 8), 7_500_000)  # previous window
    add_cost(org, "acme", date(2026, 3, 11), 3_333_333)
    add_revenue(org, "cus_b", date(2026, 3, 11), 2_000_000)
    add_cost(org, "beta", date(2026, 3, 12), 2_500_000)
    add_cost(org, "gamma", date(2026, 3, 10), 1_005_000)  # no Stripe link; 100.5 cents → 1.00
    add_revenue(org, "cus_d", date(2026, 3, 12), 1_000_000)
    add_revenue(org, "cus_z", date(2026, 3, 11), 4_000_000)  # mapped to nobody
    add_cost(org, "acme", date(2026, 3, 13), 9_000_000)  # after `to`
    add_cost(other_org, "acme", date(2026, 3, 11), 77_000_000)


ACME = {
    "customerId": "acme",
    "customerName": "acme",
    "netRevenue": "15.00",
    "totalCost": "3.33",
    "profit": "11.67",
    "marginPct": "77.80",
    "trend": {"values": ["10.00", "0.00", "5.00"], "periodChange": 100.0},
    "isOther": False,
}


def test_rows_by_profit_then_other_as_the_exact_sum_of_the_rest(api, org, spine):
    response = api.get(_url(org, topN=2))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "object": "profitability_summary",
        "currency": "USD",
        "rows": [
            ACME,
            {
                "customerId": "delta",
                "customerName": "delta",
                "netRevenue": "1.00",
                "totalCost": "0.00",
                "profit": "1.00",
                "marginPct": "100.00",
                "trend": {"values": ["0.00", "0.00", "1.00"], "periodChange": None},
                "isOther": False,
            },
            {
                "customerId": "other",
                "customerName": "Other",
                "netRevenue": "2.00",  # beta 2.00 + gamma 0.00
                "totalCost": "3.50",  # beta 2.50 + gamma 1.00
                "profit": "-1.50",  # beta -0.50 + gamma -1.00
                "marginPct": "-75.00",
                "trend": {"values": ["0.00", "2.00", "0.00"], "periodChange": None},
                "isOther": True,
            },
        ],
        "warnings": [
            "1 Stripe customer(s) with 4.00 USD of revenue in this range are not mapped to a customer: "
            "their revenue is in no row."
        ],
    }


def test_every_contributing_customer_has_a_row_when_top_n_allows(api, org, spine):
    rows = api.get(_url(org)).json()["rows"]
    assert [r["customerId"] for r in rows] == ["acme", "delta", "beta", "gamma"]
    assert rows[2]["profit"] == "-0.50" and rows[3]["totalCost"] == "1.00"


def test_names_come_from_the_cost_side_then_from_stripe(api, org, spine):
    Customer.objects.filter(org=org, external_id="beta").update(name="Beta Labs")
    map_tag(org, "cus_e", "epsilon")
    add_revenue(org, "cus_e", date(2026, 3, 11), 1)
    StripeCustomer.objects.filter(org=org, stripe_id="cus_e").update(name="Epsilon GmbH")
    names = {r["customerId"]: r["customerName"] for r in api.get(_url(org)).json()["rows"]}
    assert (names["beta"], names["epsilon"], names["acme"]) == ("Beta Labs", "Epsilon GmbH", "acme")


def test_hour_buckets_spread_each_days_revenue_over_its_hours(api, org, frozen_now):
    map_tag(org, "cus_a", "acme")
    add_revenue(org, "cus_a", date(2026, 3, 10), 2_400_001)
    add_revenue(org, "cus_a", date(2026, 3, 11), 4_800_000)
    body = api.get(_url(org, **{"from": "2026-03-10T22:00:00Z", "to": "2026-03-11T02:00:00Z"})).json()
    (row,) = body["rows"]
    assert row["trend"]["values"] == ["0.10", "0.10", "0.20", "0.20"]
    assert row["netRevenue"] == "0.60"


def test_week_buckets_when_asked(api, org, spine):
    body = api.get(
        _url(org, **{"from": "2026-03-01T00:00:00Z", "to": "2026-03-15T00:00:00Z"}, bucketWidth="week")
    )
    acme = body.json()["rows"][0]
    # Sunday 03-01 alone, then Monday 03-02..03-08, then 03-09..03-14.
    assert acme["trend"]["values"] == ["0.00", "7.50", "15.00"]


def test_amounts_use_the_reporting_currencys_digits(api, org, frozen_now):
    org.reporting_currency = "jpy"
    org.save()
    map_tag(org, "cus_a", "acme")
    add_revenue(org, "cus_a", date(2026, 3, 11), 1_500_000_000)  # 1500 yen
    add_cost(org, "acme", date(2026, 3, 11), 2_500_000)  # 2.5 yen → 2
    body = api.get(_url(org, currency="JPY")).json()
    assert body["currency"] == "JPY"
    assert (body["rows"][0]["netRevenue"], body["rows"][0]["totalCost"], body["rows"][0]["profit"]) == (
        "1500",
        "2",
        "1498",
    )


def test_unconverted_amounts_of_the_range_are_warnings(api, org, frozen_now):
    StripeConnection.objects.create(org=org, encrypted_key="x", key_prefix="sk_test_")
    SyncRun.objects.create(org=org, status="succeeded", stats={"skippedCurrencies": {"eur": 3, "gbp": 1}})
    add_unconverted(org, "cus_eu", date(2026, 3, 10), 12_346_000, "eur")
    add_unconverted(org, "cus_uk", date(2026, 3, 12), 1_000_000, "gbp")
    add_unconverted(org, "cus_uk", date(2026, 3, 9), 7_000_000, "gbp")  # before `from`
    assert api.get(_url(org)).json()["warnings"] == [
        "12.35 EUR of revenue in this range could not be converted into USD: no exchange rate for EUR "
        "on or before those days.",
        "1.00 GBP of revenue in this range could not be converted into USD: no exchange rate for GBP "
        "on or before those days.",
    ]


def test_another_merchants_id_is_not_found(api, org, other_org, spine):
    response = api.get(_url(other_org))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_outsiders_key_cannot_read_this_merchant(org, other_org, spine):
    response = keyed_client(key_for(other_org, name="rival")).get(_url(org))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"merchantId": "acme"}, "merchantId"),
        ({"from": None}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"topN": 0}, "topN"),
        ({"topN": 101}, "topN"),
        ({"currency": "US"}, "currency"),
        ({"bucketWidth": "month"}, "bucketWidth"),
    ],
)
def test_invalid_parameters_are_validation_errors(api, org, spine, params, field):
    response = api.get(_url(org, **params))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["details"]["fields"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-03-13T00:00:00Z", "to": "2026-03-13T00:00:00Z"}, "`from` must be before `to`."),
        ({"from": "2026-03-14T00:00:00Z"}, "`from` must be before `to`."),
        ({"from": "2025-01-01T00:00:00Z"}, "The time range may span at most 366 days."),
        (
            {"bucketWidth": "hour", "from": "2026-01-01T00:00:00Z"},
            "At most 1000 buckets: choose a wider bucketWidth.",
        ),
    ],
)
def test_windows_that_cannot_be_served_are_validation_errors(api, org, spine, params, message):
    response = api.get(_url(org, **params))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


@pytest.fixture
def euro_rates(db):
    # USD per euro: 1.25 from 6 March, 1.60 from 11 March (days between carry the last one).
    ExchangeRate.objects.create(day=date(2026, 3, 6), currency="usd", per_euro=Decimal("1.25"))
    ExchangeRate.objects.create(day=date(2026, 3, 11), currency="usd", per_euro=Decimal("1.60"))


def test_a_currency_without_rates_is_refused(api, org, spine, euro_rates):
    response = api.get(_url(org, currency="SEK"))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "validation_error",
        "message": "currency must be the reporting currency or one with exchange rates: EUR, USD.",
        "details": {"currency": "SEK", "reportingCurrency": "USD"},
    }
    assert api.get(_url(org, currency="usd")).status_code == 200


def test_another_currency_converts_each_day_at_its_rate(api, org, spine, euro_rates):
    body = api.get(_url(org, currency="EUR")).json()

    assert body["currency"] == "EUR"
    acme = next(row for row in body["rows"] if row["customerId"] == "acme")
    # Revenue: 10 USD on the 10th / 1.25 = 8 EUR; 5 USD on the 12th / 1.60 = 3.125 EUR; 11.125 EUR
    # is 1112.5 cents, half to even 11.12. Cost: 3.333333 USD / 1.60 = 2_083_333 micro-EUR: 2.08.
    assert (acme["netRevenue"], acme["totalCost"], acme["profit"]) == ("11.12", "2.08", "9.04")
    assert acme["trend"]["values"] == ["8.00", "0.00", "3.12"]


def test_a_day_before_the_first_rate_cannot_be_converted(api, org, spine):
    ExchangeRate.objects.create(day=date(2026, 3, 11), currency="usd", per_euro=Decimal("1.60"))

    response = api.get(_url(org, currency="EUR"))

    assert response.status_code == 400
    assert "No exchange rate from USD to EUR on or before 2026-03-08" in response.json()["error"]["message"]


def test_offsets_in_from_and_to_are_honoured(api, org, spine):
    # 01:00+01:00 is midnight UTC: the same window as the first test.
    body = api.get(_url(org, **{"from": "2026-03-10T01:00:00%2B01:00", "topN": 1})).json()
    assert body["rows"][0] == ACME
