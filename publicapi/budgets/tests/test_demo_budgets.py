"""The demo's budgets: what an operator would set after a first look at the demo's margin table."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.test import Client

from margins.tests.factories import add_cost
from margint.demo import DEMO_USERS, demo_org_create
from margint.models import Role
from publicapi.budgets import demo
from publicapi.budgets.models import Budget

M = 1_000_000


def test_the_demo_sets_four_budgets_one_at_a_customer_s_suggested_budget(db):
    ctx = demo_org_create(today=date(2026, 12, 7), log=lambda _: None)
    # Yonder Maps' November: its search cost more than its chat.
    add_cost(ctx.org, "yonder-maps", date(2026, 11, 5), 600 * M, feature="search")
    add_cost(ctx.org, "yonder-maps", date(2026, 11, 6), 300 * M, feature="chat")
    add_cost(ctx.org, "yonder-maps", date(2026, 12, 1), 900 * M, feature="chat")  # this month: not read
    demo.load(ctx)

    budgets = Budget.objects.filter(org=ctx.org).order_by("scope")
    assert [
        (b.scope, b.customer_external_id, b.feature, b.monthly_limit_micro, b.action, b.thresholds)
        for b in budgets
    ] == [
        # Half of Atlas Insurance's $199 plan: the cost that keeps it at the 50 % healthy margin.
        ("customer", "atlas-insurance", "", 99_500_000, "block", [80]),
        # Its costliest feature of last month may cost no more than its $499 plan.
        ("customer_feature", "yonder-maps", "search", 499 * M, "block", [80]),
        ("feature", "", "agent", 3_000 * M, "warn", [80]),
        # The demo customers' cost targets add up to $23,533.71 a month: 10 % more, rounded up.
        ("workspace", "", "", 26_000 * M, "warn", [50, 80]),
    ]
    assert "atlas-insurance ($99.50, its suggested budget)" in ctx.notes[-1]

    admin = Client()
    admin.force_login(get_user_model().objects.get(email=DEMO_USERS[Role.ADMIN]))
    page = admin.get("/budgets/").content.decode()
    assert all(tag in page for tag in ("atlas-insurance", "yonder-maps", "agent"))


def test_before_any_cost_the_demo_caps_no_feature(db):
    ctx = demo_org_create(today=date(2026, 12, 7), log=lambda _: None)
    demo.load(ctx)
    assert sorted(Budget.objects.filter(org=ctx.org).values_list("scope", flat=True)) == [
        "customer",
        "feature",
        "workspace",
    ]
    assert ctx.notes[-1].endswith("($99.50, its suggested budget).")
