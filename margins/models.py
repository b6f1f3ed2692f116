"""Cost-side facts (events) and what is derived from them (daily rollups)."""

from __future__ import annotations

import uuid

from django.db import models

from margint.models import Organization


class BrinOnPostgresIndex(models.Index):
    """A BRIN index on PostgreSQL (tiny, nearly free to maintain on append-mostly data); a plain
    index on databases without BRIN, so SQLite keeps working."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            using = " USING brin"
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class Customer(models.Model):
    """A cost-side customer: the integrator's own customer id, the value of the cost tag."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # db_index=False on org foreign keys: every composite index and unique constraint below starts
    # with org, so a separate org index would only slow the ingestion hot path down.
    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="cost_customers", db_index=False
    )
    external_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True, default="")
    email = models.CharField(max_length=320, blank=True, default="")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "external_id"], name="cost_customer_unique"),
        ]
        indexes = [models.Index(fields=["org", "last_seen_at"])]

    def __str__(self) -> str:
        return self.name or self.external_id


class CostEvent(models.Model):
    """One AI call's cost, as the integrator sent it. Facts are never rewritten.

    On PostgreSQL the table is partitioned by month of occurred_at (margins/costs/partitions.py,
    docs/operations.md): its primary key there is (id, occurred_at), and an index unique on
    (org, idempotency key) could not span the partitions, so EventIdempotencyKey holds that
    uniqueness instead.
    """

    id = models.BigAutoField(primary_key=True)
    # No database-level foreign keys on the raw events: the write path resolves the customer in
    # the same transaction, and the deferred constraint triggers (two checks per event at commit)
    # cost a quarter of the database time of ingesting a batch. Django still cascades deletes.
    org = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="cost_events",
        db_index=False,
        db_constraint=False,
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="events", db_index=False, db_constraint=False
    )
    feature = models.CharField(max_length=128, blank=True, default="")
    provider = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=128, blank=True, default="")
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    cached_input_tokens = models.BigIntegerField(default=0)
    cost_micro = models.BigIntegerField(default=0)
    priced = models.BooleanField(default=True)
    occurred_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(cost_micro__gte=0), name="cost_event_cost_gte_0"),
        ]
        indexes = [
            # Pages read rollups, never raw events; raw events are read by time only by operators
            # (rebuild and check of rollups), and unpriced ones alone through the index below. A BRIN
            # index serves that at almost no cost per insert, where a B-tree on (org or customer,
            # time) took a fifth of the database time of a batch.
            BrinOnPostgresIndex(fields=["occurred_at"], name="cost_event_time_brin"),
            # Unpriced events are rare; this small partial index serves GET /api/v1/events/unpriced.
            models.Index(
                fields=["org", "provider", "model"],
                condition=models.Q(priced=False),
                name="cost_event_unpriced",
            ),
            # And this one the hours at the edges of a range whose whole days the rollups count
            # (queries.unpriced_event_counts): bounded by time, not every unpriced event of the org.
            models.Index(
                fields=["org", "occurred_at"],
                condition=models.Q(priced=False),
                name="cost_event_unpriced_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.model} {self.cost_micro}µ"


class EventIdempotencyKey(models.Model):
    """One row per stored event that came with an idempotency key: the key's owner.

    Every ingested event is unique on (org, idempotency key), across months. A partitioned table's
    unique index must contain the partition key, so the raw events cannot say it themselves: this
    unpartitioned table can. The writer inserts the batch's keys here first (ON CONFLICT DO
    NOTHING) and stores exactly the events whose key went in, in the same statement. A key lives
    as long as its event: the partition maintenance deletes the keys of the months it drops, and
    validation refuses events older than the retention, so an expired key is never asked again.
    """

    pk = models.CompositePrimaryKey("org", "idempotency_key")
    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    idempotency_key = models.CharField(max_length=255)
    occurred_at = models.DateTimeField()  # the event's: which month's partition holds it

    class Meta:
        indexes = [BrinOnPostgresIndex(fields=["occurred_at"], name="event_key_time_brin")]


class DailyRollup(models.Model):
    """Cost per (org, customer, UTC day, feature, model, provider); blank strings, never NULL."""

    # Derived rows (rebuild_rollups recomputes them): like the events, no database-level foreign
    # keys, whose checks at commit would cost more than the increments themselves.
    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    day = models.DateField()
    feature = models.CharField(max_length=128, blank=True, default="")
    model = models.CharField(max_length=128, blank=True, default="")
    provider = models.CharField(max_length=64, blank=True, default="")
    cost_micro = models.BigIntegerField(default=0)
    request_count = models.BigIntegerField(default=0)
    unpriced_count = models.BigIntegerField(default=0)
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    cached_input_tokens = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "customer", "day", "feature", "model", "provider"],
                name="daily_rollup_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "day"]),
            # The few rows with unpriced events, by day (queries.unpriced_event_counts): a range's
            # unpriced count without reading every rollup row in it. Only an increment that changes
            # unpriced_count loses HOT for it; priced increments leave the column as it was.
            models.Index(
                fields=["org", "day"], condition=models.Q(unpriced_count__gt=0), name="daily_rollup_unpriced"
            ),
        ]


class CustomerDailyCost(models.Model):
    """The compact per (org, customer, UTC day) total that wide tables read."""

    # Derived rows (rebuild_rollups recomputes them): like the events, no database-level foreign
    # keys, whose checks at commit would cost more than the increments themselves.
    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    day = models.DateField()
    cost_micro = models.BigIntegerField(default=0)
    request_count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "customer", "day"], name="customer_daily_cost_unique"),
        ]
        indexes = [models.Index(fields=["org", "day"])]


# The running sums' columns: through_01 is a month's amount on its 1st, through_02 on its 1st and
# 2nd, ... through_30 through its 30th. Through its last day is the month's total (its own column).
RUNNING_SUMS = tuple(f"through_{day:02d}" for day in range(1, 31))


class MonthRunningSums(models.Model):
    """A month's running sums, in micro-units: its amount from the 1st through each day.

    With them one monthly row gives the amount of any of its days: through the last of them less
    through the day before the first (margins/calculations/month_parts.py), so any range of days is
    one row per month it touches. Kept by the same trigger as the month's total (margins/monthly.py).
    A month shorter than 31 days repeats its total in the columns past its last day.
    """

    class Meta:
        abstract = True


for _column in RUNNING_SUMS:  # 30 columns alike; a loop says so better than 30 lines
    MonthRunningSums.add_to_class(_column, models.BigIntegerField(default=0))


class CustomerMonthlyCost(MonthRunningSums):
    """Cost per (org, cost-side customer, calendar month): the sum of that month's CustomerDailyCost.

    Database triggers on CustomerDailyCost (margins/monthly.py) keep it, in the same statement as
    every write to the daily rows, whoever makes it; application code only reads it (and
    `manage.py rebuild_monthly_totals` recomputes it for repair). Wide margin tables read
    3 rows per customer here instead of 90 daily rows, and the v1 list's 180 days are 7.
    """

    # No separate org index: the unique constraint and the month index both start with org, and
    # every index is one more write for each update that cannot be HOT.
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="First day of the calendar month.")
    cost_micro = models.BigIntegerField(default=0)
    request_count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "customer", "month"], name="customer_monthly_cost_unique"),
        ]
        indexes = [models.Index(fields=["org", "month"], name="customer_monthly_cost_month")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.cost_micro}µ"


class CustomerMonthlyRevenue(MonthRunningSums):
    """Recognized revenue per (org, Stripe customer, calendar month): the sum of billing's RevenueDaily.

    Kept by database triggers on billing's RevenueDaily table like CustomerMonthlyCost; billing
    code never needs to know it exists. The margin table reads the counted days of a month in
    progress from its running sums.
    """

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    stripe_customer = models.ForeignKey("billing.StripeCustomer", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="First day of the calendar month.")
    amount_micro = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "stripe_customer", "month"], name="customer_monthly_revenue_unique"
            ),
        ]
        indexes = [models.Index(fields=["org", "month"], name="customer_monthly_revenue_month")]

    def __str__(self) -> str:
        return f"{self.stripe_customer_id} {self.month:%Y-%m} {self.amount_micro}µ"


class OrgFeatureDailyCost(models.Model):
    """The org's cost per (UTC day, feature): the sum of that day's DailyRollup rows of the feature.

    Kept by a database trigger on DailyRollup (margins/monthly.py) in the same statement as every
    write to the rollups, like CustomerMonthlyCost. A budget check reads a month of it (a few rows
    per feature) for a workspace or feature budget, whatever the number of customers.
    """

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    feature = models.CharField(max_length=128, blank=True, default="")
    cost_micro = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "feature", "day"], name="org_feature_daily_cost_unique"),
        ]
        indexes = [models.Index(fields=["org", "day"], name="org_feature_daily_cost_day")]

    def __str__(self) -> str:
        return f"{self.feature or '(none)'} {self.day} {self.cost_micro}µ"
