"""Demo budgets: the limits an operator sets after a first look at the margin table.

A workspace budget that warns well before a month costs more than the demo's customers usually
do, a feature budget on the agent calls, and block budgets on customers that lose money: one at
the monthly cost that keeps it healthy (its budget suggestion), one on another's costliest feature
of last month (once it has cost). Limits
come from the demo customers' monthly prices and cost targets, so the budgets page shows spend
against them from the first day of a month to its last, one of them near its limit.
"""

from __future__ import annotations

from margins.calculations import MICROS_PER_CENT, MICROS_PER_UNIT, Month, Tier, budget_suggestion
from margins.costs.demo_customers import DEMO_CUSTOMERS
from margins.costs.selectors import cost_breakdown
from margins.selectors import org_thresholds
from margint.demo import DemoContext
from publicapi.budgets.models import Budget
from publicapi.budgets.services import budget_create

M, CENTS = MICROS_PER_UNIT, MICROS_PER_CENT
# A critical demo customer (a $199 plan that costs about $400 a month), held at its suggestion.
HELD_AT_SUGGESTION = "atlas-insurance"
# A customer whose AI cost runs past its plan's price: its costliest feature of last month may
# cost no more than the plan brings in.
FEATURE_CAPPED = "yonder-maps"
AGENT_LIMIT = 3_000 * M


def load(ctx: DemoContext) -> None:
    workspace_limit = _round_up(sum(customer[4] for customer in DEMO_CUSTOMERS) * 11 // 10, 1_000 * M)
    price = _monthly_price(HELD_AT_SUGGESTION)
    suggestion = budget_suggestion(revenue=price, tier=Tier.CRITICAL, thresholds=org_thresholds(ctx.org))
    warn, block = Budget.Action.WARN, Budget.Action.BLOCK
    budgets = [
        dict(
            scope=Budget.Scope.WORKSPACE,
            monthly_limit_micro=workspace_limit,
            action=warn,
            thresholds=[50, 80],
        ),
        dict(scope=Budget.Scope.FEATURE, feature="agent", monthly_limit_micro=AGENT_LIMIT, action=warn),
        dict(
            scope=Budget.Scope.CUSTOMER,
            customer=HELD_AT_SUGGESTION,
            monthly_limit_micro=suggestion,
            action=block,
        ),
    ]
    note = (
        f"Budgets (menu: Budgets): a workspace warning at ${workspace_limit // M:,} a month, the agent"
        f" feature's at ${AGENT_LIMIT // M:,}, and a block budget on {HELD_AT_SUGGESTION}"
        f" (${suggestion / M:,.2f}, its suggested budget)"
    )
    if (capped := _feature_cap(ctx)) is not None:
        customer, feature, limit = capped
        budgets.append(
            dict(
                scope=Budget.Scope.CUSTOMER_FEATURE,
                customer=customer,
                feature=feature,
                monthly_limit_micro=limit,
                action=block,
            )
        )
        note += f", another on {customer}'s {feature} (${limit // M:,}, its plan's price)"
    for budget in budgets:
        budget_create(org=ctx.org, **budget)
    ctx.notes.append(note + ".")


def _monthly_price(external_id: str) -> int:
    return next(customer[3] for customer in DEMO_CUSTOMERS if customer[0] == external_id) * CENTS


def _feature_cap(ctx: DemoContext) -> tuple[str, str, int] | None:
    """FEATURE_CAPPED's costliest feature of the last full month, capped at its monthly price
    (None before it has any cost: which features a demo customer uses depends on the day)."""
    this_month = Month.containing(ctx.today)
    last = this_month.previous()
    features = cost_breakdown(
        org=ctx.org, external_id=FEATURE_CAPPED, start=last.first_day, end=this_month.first_day, by="feature"
    )
    if not features:
        return None
    return FEATURE_CAPPED, features[0].key, _monthly_price(FEATURE_CAPPED)


def _round_up(amount: int, step: int) -> int:
    return -(-amount // step) * step
