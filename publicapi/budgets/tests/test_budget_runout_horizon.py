"""Run-out dates past the horizon are reported as none, never a crash; one org's failing scan
never stops another's."""

from __future__ import annotations

from datetime import date

import pytest

from margint.models import Organization
from publicapi.budgets import tasks
from publicapi.budgets.calculations import exhaustion_day
from publicapi.budgets.services import budget_create
from publicapi.notifications.models import WebhookEvent
from publicapi.tests.factories import add_cost


@pytest.mark.parametrize(
    ("spent", "limit", "today"),
    [
        (1, 10**15, date(2026, 3, 18)),  # a first cheap event under a large limit
        (1, 10**12, date(9999, 12, 30)),  # the calendar's last days
        (1, 2, date(9999, 12, 31)),
    ],
)
def test_a_run_out_beyond_the_month_is_none_not_an_overflow(spent, limit, today):
    assert exhaustion_day(spent=spent, limit=limit, today=today) is None


def test_a_run_out_within_the_month_is_still_the_day():
    assert exhaustion_day(spent=500_000, limit=1_000_000, today=date(2026, 3, 10)) == date(2026, 3, 20)


def test_the_check_and_the_page_answer_for_a_first_cheap_event(api, admin, org, frozen_now):
    add_cost(org, "newbie", date(2026, 3, 18), 1)
    budget_create(org=org, scope="customer", customer="newbie", monthly_limit_micro=10**15, action="block")
    budget_create(org=org, scope="workspace", monthly_limit_micro=10**15, action="warn")
    response = api.get("/api/v1/budgets/check?customer=newbie")
    assert response.status_code == 200
    assert {b["projectedExhaustionDate"] for b in response.json()["budgets"]} == {None}
    assert admin.page_client().get("/budgets/").status_code == 200


def test_one_orgs_failing_scan_never_stops_anothers(org, other_org, frozen_now, monkeypatch):
    for each in (org, other_org):
        add_cost(each, "acme", date(2026, 3, 2), 2_000_000)
        budget_create(org=each, scope="workspace", monthly_limit_micro=1_000_000, action="warn")
    first = Organization.objects.filter(budgets__isnull=False).distinct().first()
    real = tasks.org_budget_statuses

    def failing_for_first(*, org, today):
        if org.pk == first.pk:
            raise RuntimeError("boom")
        return real(org=org, today=today)

    monkeypatch.setattr(tasks, "org_budget_statuses", failing_for_first)
    assert tasks.budget_alerts_scan() == 2  # 80 % and exceeded, in the org that did not fail
    assert WebhookEvent.objects.exclude(org=first).count() == 2


def test_a_limit_above_a_billion_a_month_is_refused(api, org):
    response = api.post(
        "/api/v1/budgets", {"scope": "workspace", "monthlyLimitCents": 10**11 + 1}, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
