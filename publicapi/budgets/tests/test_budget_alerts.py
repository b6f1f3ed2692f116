"""Budget webhooks: which alerts a month's statuses call for, and that each goes out once."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache

from margins.calculations import Month
from publicapi.budgets.alerts import budget_alerts
from publicapi.budgets.calculations import BudgetRule, evaluate
from publicapi.budgets.selectors import customer_budget_statuses, org_budget_statuses
from publicapi.budgets.services import budget_create
from publicapi.budgets.tasks import budget_alerts_scan
from publicapi.notifications.models import WebhookEvent
from publicapi.tests.factories import add_cost

MARCH = Month(2026, 3)


def _status(spent, thresholds=(50, 80), action="block"):
    rule = BudgetRule("b-1", "customer", "acme", "", 1_000_000, action, thresholds)
    return evaluate(rule, spent, date(2026, 3, 18))


def test_each_threshold_reached_and_the_limit_are_separate_alerts_keyed_by_month():
    alerts = budget_alerts([_status(1_200_000)], MARCH)
    assert [(a.event_type, a.dedupe_key) for a in alerts] == [
        ("budget.threshold_crossed", "budget:b-1:2026-03:threshold:50"),
        ("budget.threshold_crossed", "budget:b-1:2026-03:threshold:80"),
        ("budget.exceeded", "budget:b-1:2026-03:exceeded"),
    ]
    assert alerts[0].data["threshold"] == 50 and alerts[2].data["threshold"] == 80
    assert alerts[2].data["spentCents"] == 120 and alerts[2].data["month"] == "2026-03"


def test_below_every_threshold_nothing_is_sent():
    assert budget_alerts([_status(499_999)], MARCH) == []


def test_the_next_month_has_new_keys():
    keys = {a.dedupe_key for a in budget_alerts([_status(600_000)], Month(2026, 4))}
    assert keys == {"budget:b-1:2026-04:threshold:50"}


def test_org_statuses_measure_each_budget_on_what_it_covers(org, other_org, frozen_now):
    add_cost(org, "acme", date(2026, 3, 2), 900_000, feature="chat")
    add_cost(org, "beta", date(2026, 3, 3), 300_000, feature="search")
    add_cost(other_org, "acme", date(2026, 3, 3), 5_000_000, feature="chat")
    workspace = budget_create(org=org, scope="workspace", monthly_limit_micro=1_000_000, action="warn")
    chat = budget_create(
        org=org, scope="feature", feature="chat", monthly_limit_micro=1_000_000, action="block"
    )
    beta = budget_create(
        org=org, scope="customer", customer="beta", monthly_limit_micro=1_000_000, action="warn"
    )
    spent = {s.rule.id: s.spent for s in org_budget_statuses(org=org, today=date(2026, 3, 18))}
    assert spent == {str(workspace.pk): 1_200_000, str(chat.pk): 900_000, str(beta.pk): 300_000}


def test_every_scope_is_read_with_its_own_spend_in_one_statement(
    org, other_org, frozen_now, django_assert_num_queries
):
    add_cost(org, "acme", date(2026, 3, 2), 900_000, feature="chat")
    add_cost(org, "acme", date(2026, 3, 4), 70_000, feature="search")
    add_cost(org, "acme", date(2026, 2, 27), 4_000_000, feature="chat")  # last month: not this one's
    add_cost(org, "beta", date(2026, 3, 3), 300_000, feature="chat")
    add_cost(other_org, "acme", date(2026, 3, 3), 5_000_000, feature="chat")
    limits = {"monthly_limit_micro": 1_000_000, "action": "warn"}
    ids = {
        "workspace": budget_create(org=org, scope="workspace", **limits).pk,
        "chat": budget_create(org=org, scope="feature", feature="chat", **limits).pk,
        "acme": budget_create(org=org, scope="customer", customer="acme", **limits).pk,
        "acme chat": budget_create(
            org=org, scope="customer_feature", customer="acme", feature="chat", **limits
        ).pk,
        "beta search": budget_create(
            org=org, scope="customer_feature", customer="beta", feature="search", **limits
        ).pk,
        "nobody": budget_create(org=org, scope="customer", customer="nobody", **limits).pk,
    }
    budget_create(org=other_org, scope="workspace", **limits)
    with django_assert_num_queries(1):
        statuses = org_budget_statuses(org=org, today=date(2026, 3, 18))
    names = {str(pk): name for name, pk in ids.items()}
    assert {names[s.rule.id]: s.spent for s in statuses} == {
        "workspace": 1_270_000,
        "chat": 1_200_000,
        "acme": 970_000,
        "acme chat": 900_000,
        "beta search": 0,
        "nobody": 0,
    }
    with django_assert_num_queries(1):
        acme = customer_budget_statuses(org=org, customer="acme", today=date(2026, 3, 18))
    assert {names[s.rule.id]: s.spent for s in acme} == {
        "workspace": 1_270_000,
        "chat": 1_200_000,
        "acme": 970_000,
        "acme chat": 900_000,
    }


def test_a_computed_check_emits_each_crossing_once_as_a_signed_webhook_event(api, org, frozen_now):
    add_cost(org, "acme", date(2026, 3, 2), 900_000)
    budget = budget_create(
        org=org, scope="customer", customer="acme", monthly_limit_micro=1_000_000, action="block"
    )
    api.get("/api/v1/budgets/check?customer=acme")
    cache.clear()  # the answer and the memo gone: the database still says it was sent
    api.get("/api/v1/budgets/check?customer=acme")
    events = WebhookEvent.objects.filter(org=org).order_by("dedupe_key")
    assert [(e.type, e.dedupe_key) for e in events] == [
        ("budget.threshold_crossed", f"budget:{budget.pk}:2026-03:threshold:80")
    ]
    obj = events[0].payload["data"]["object"]
    assert (obj["budgetId"], obj["spentCents"], obj["limitCents"], obj["threshold"]) == (
        str(budget.pk),
        90,
        100,
        80,
    )
    add_cost(org, "acme", date(2026, 3, 18), 100_000)
    budget_alerts_scan()
    assert WebhookEvent.objects.filter(org=org, type="budget.exceeded").count() == 1


def test_the_scan_covers_every_pro_organization_once(org, other_org, free_org, frozen_now):
    for each in (org, other_org, free_org):
        add_cost(each, "acme", date(2026, 3, 2), 2_000_000)
        budget_create(
            org=each, scope="workspace", monthly_limit_micro=1_000_000, action="warn", thresholds=[50]
        )
    assert budget_alerts_scan() == 4  # 50 % and exceeded, in each Pro org
    assert budget_alerts_scan() == 0
    assert not WebhookEvent.objects.filter(org=free_org).exists()
