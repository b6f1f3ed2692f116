"""The month in progress in the keyed APIs: v1 windows end today, v0 counts revenue up to today.

Known answers on the data of margins/tests/month_data.py (the same cases as the dashboard's).
Revenue recognized ahead of time (the rest of an invoice's service period) never counts.
"""

from __future__ import annotations

from margins.tests.month_data import Case, known_answer_case  # noqa: F401 (the `case` fixture)

# The 7-day window ending today: acme's line gives 1 unit a day; `late`'s line starts on the 15th and
# runs on past the month's end, so on the last day and after it would count days still to come.
V1_REVENUE_CENTS = {
    "first_day": {"acme": 700, "late": 0},
    "sixth_day": {"acme": 700, "late": 0},
    "last_day": {"acme": 700, "late": 700},
    "finished": {"acme": 500, "late": 700},  # Dec 27-31 for acme; Dec 27-Jan 2 for late
    "leap_february": {"acme": 700, "late": 0},
}


def test_v1_windows_count_revenue_only_up_to_today(api, case):
    response = api.get("/api/v1/customers?range=7d")
    assert response.status_code == 200, response.content
    revenue = {row["externalId"]: row["revenueCents"] for row in response.json()["data"]}
    assert {tag: revenue[tag] for tag in ("acme", "late")} == V1_REVENUE_CENTS[case.name]


def _profitability(client, org, case: Case):
    start, end = case.period.bounds
    url = f"/v0/profitability?merchantId={org.public_id}&from={start}T00:00:00Z&to={end}T00:00:00Z"
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def _amount(micros: int) -> str:
    return f"{micros / 1_000_000:.2f}"


def test_v0_profitability_of_the_month_counts_revenue_to_today(api, org, case):
    body = _profitability(api, org, case)
    rows = {row["customerId"]: (row["netRevenue"], row["totalCost"]) for row in body["rows"]}
    assert rows == {tag: (_amount(f[0]), _amount(f[1])) for tag, f in case.rows.items()}
    future = [w for w in body["warnings"] if w.startswith("The range ends after today")]
    ends_after_today = case.name in ("first_day", "sixth_day", "leap_february")
    assert len(future) == int(ends_after_today)


def test_an_outsider_key_sees_none_of_it(outsider_api, other_org, case):
    body = _profitability(outsider_api, other_org, case)
    assert body["rows"] == []
    assert outsider_api.get("/api/v1/customers?range=7d").json()["data"] == []
