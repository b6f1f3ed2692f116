"""Demo budgets: the limits an operator sets after a first look at the margin table.

A workspace budget that warns well before a month costs more than the demo's customers usually
do, a feature budget on the agent calls, and two block budgets on customers that lose money: one
at the monthly cost that keeps it healthy (its budget suggestion), one on a single feature. Limits
come from the demo customers' monthly prices and cost targets, so the budgets page shows spend
against them from the first day of a month to its last, one of them near its limit.
"""

from __future__ import annotations

from margins.calculations import Tier, budget_suggestion
from margins.costs.demo_customers import DEMO_CUSTOMERS
from margins.selectors import org_thresholds
from margint.demo import DemoContext
from publicapi.budgets.models import Budget
from publicapi.budgets.services import budget_create

CENTS = 10_000  # micro-units in a cent
# A critical demo customer (a $199 plan that costs about $400 a month), held at its suggestion.
HELD_AT_SUGGESTION = "atlas-insurance"
# A customer whose chat costs more than its plan brings in: chat alone gets a cap.
CHAT_CAPPED = ("yonder-maps", "chat", 150 * 1_000_000)
AGENT_LIMIT = 3_000 * 1_000_000


def load(ctx: DemoContext) -> None:
    org = ctx.org
    monthly_cost = sum(customer[4] for customer in DEMO_CUSTOMERS)
    workspace = budget_create(
        org=org,
        scope=Budget.Scope.WORKSPACE,
        monthly_limit_micro=_round_up(monthly_cost * 11 // 10, 1_000 * 1_000_000),
        action=Budget.Action.WARN,
        thresholds=[50, 80],
    )
    budget_create(
        org=org,
        scope=Budget.Scope.FEATURE,
        feature="agent",
        monthly_limit_micro=AGENT_LIMIT,
        action=Budget.Action.WARN,
    )
    price = next(customer[3] for customer in DEMO_CUSTOMERS if customer[0] == HELD_AT_SUGGESTION)
    suggestion = budget_suggestion(revenue=price * CENTS, tier=Tier.CRITICAL, thresholds=org_thresholds(org))
    budget_create(
        org=org,
        scope=Budget.Scope.CUSTOMER,
        customer=HELD_AT_SUGGESTION,
        monthly_limit_micro=suggestion,
        action=Budget.Action.BLOCK,
    )
    customer, feature, limit = CHAT_CAPPED
    budget_create(
        org=org,
        scope=Budget.Scope.CUSTOMER_FEATURE,
        customer=customer,
        feature=feature,
        monthly_limit_micro=limit,
        action=Budget.Action.BLOCK,
    )
    ctx.notes.append(
        f"Budgets (menu: Budgets): a workspace warning at ${workspace.monthly_limit_micro // 1_000_000:,}"
        f" a month, the agent feature's at ${AGENT_LIMIT // 1_000_000:,}, and block budgets on"
        f" {HELD_AT_SUGGESTION} (${suggestion / 1_000_000:,.2f}, its suggested budget) and on"
        f" {customer}'s {feature} (${limit // 1_000_000:,})."
    )


def _round_up(amount: int, step: int) -> int:
    return -(-amount // step) * step
