"""The trigger-kept totals as the migrations before 0011 knew them (margins/monthly.py `Rollup`s).

A migration runs the triggers of its own time, not the current ones: before 0011 the monthly rows
had no running sums, and from 0009 to 0011 the ISO-week totals were kept (with running sums
through each weekday from 0010). Not a migration itself: the loader skips modules named "_...".
"""

from dataclasses import replace

from margins import monthly

# The monthly totals of 0002 to 0010, without running sums.
MONTHS_0002 = tuple(replace(r, running="") for r in (monthly.COST, monthly.REVENUE))

COST_WEEKS = monthly.Rollup(
    "cost_weekly",
    "margins_customerdailycost",
    "margins_customerweeklycost",
    "customer_id",
    ("cost_micro", "request_count"),
    grain="week",
    running="cost_micro",
)
REVENUE_WEEKS = monthly.Rollup(
    "revenue_weekly",
    "billing_revenuedaily",
    "margins_customerweeklyrevenue",
    "stripe_customer_id",
    ("amount_micro",),
    grain="week",
    running="amount_micro",
)
WEEKS_0010 = (COST_WEEKS, REVENUE_WEEKS)
WEEKS_0009 = tuple(replace(r, running="") for r in WEEKS_0010)
