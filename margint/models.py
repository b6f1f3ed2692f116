"""The tenancy core: organizations, memberships and roles."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from margint.ids import new_org_public_id


class Tier(models.TextChoices):
    FREE = "free", "Free"
    PRO = "pro", "Pro"
    ENTERPRISE = "enterprise", "Enterprise"


TIER_RANK = {Tier.FREE: 0, Tier.PRO: 1, Tier.ENTERPRISE: 2}


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    MEMBER = "member", "Member"
    ADMIN = "admin", "Admin"


ROLE_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2}

_percent = [MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))]


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    public_id = models.CharField(
        max_length=40,
        unique=True,
        default=new_org_public_id,
        editable=False,
        validators=[RegexValidator(r"^org_[a-zA-Z0-9]+$")],
    )
    name = models.CharField(max_length=200)
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.FREE)
    reporting_currency = models.CharField(
        max_length=3, default="usd", validators=[RegexValidator(r"^[a-z]{3}$")]
    )
    healthy_threshold = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("50"), validators=_percent
    )
    moderate_threshold = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("20"), validators=_percent
    )
    at_risk_threshold = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), validators=_percent
    )
    # Per-key request limits (requests a minute); see publicapi.ratelimit.
    read_rate_limit = models.PositiveIntegerField(default=120)
    ingest_rate_limit = models.PositiveIntegerField(default=600)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(healthy_threshold__gte=models.F("moderate_threshold"))
                & models.Q(moderate_threshold__gte=models.F("at_risk_threshold")),
                name="org_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    @property
    def is_pro(self) -> bool:
        return TIER_RANK[Tier(self.tier)] >= TIER_RANK[Tier.PRO]


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization.name} as {self.role}"

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]
