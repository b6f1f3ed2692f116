"""Budgets: a monthly cost limit on the workspace, a customer, a feature or a customer's feature.

The table was made by publicapi's migrations and keeps its name (`publicapi_budget`): the model
moved here in state only (migrations 0001 here and publicapi 0004), no row was copied.
"""

from __future__ import annotations

import uuid

from django.db import models

from margint.models import Organization


def default_budget_thresholds() -> list[int]:
    return [80]


class Budget(models.Model):
    """A monthly (UTC calendar month) cost limit on the workspace, a customer, a feature or both."""

    class Scope(models.TextChoices):
        WORKSPACE = "workspace"
        CUSTOMER = "customer"
        FEATURE = "feature"
        CUSTOMER_FEATURE = "customer_feature"

    class Action(models.TextChoices):
        WARN = "warn"
        BLOCK = "block"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="budgets")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    customer_external_id = models.CharField(max_length=255, blank=True, default="")
    feature = models.CharField(max_length=128, blank=True, default="")
    monthly_limit_micro = models.BigIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.WARN)
    # Warning thresholds in whole percent of the limit, ascending; reaching the limit is "exceeded".
    thresholds = models.JSONField(default=default_budget_thresholds, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "publicapi_budget"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(monthly_limit_micro__gt=0), name="budget_limit_gt_0"),
            models.CheckConstraint(
                condition=(
                    models.Q(scope="workspace", customer_external_id="", feature="")
                    | (models.Q(scope="customer", feature="") & ~models.Q(customer_external_id=""))
                    | (models.Q(scope="feature", customer_external_id="") & ~models.Q(feature=""))
                    | (
                        models.Q(scope="customer_feature")
                        & ~models.Q(customer_external_id="")
                        & ~models.Q(feature="")
                    )
                ),
                name="budget_scope_targets",
            ),
        ]

    def __str__(self) -> str:
        target = ":".join(part for part in (self.customer_external_id, self.feature) if part)
        return f"{self.scope} {target} {self.action}".replace("  ", " ")
