"""Writes of the tenancy core."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from margint.models import Membership, Organization, Role, Tier


def _user_upsert(*, email: str, password: str | None) -> object:
    User = get_user_model()
    email = email.strip().lower()
    user = User.objects.filter(username=email).first()
    if user is None:
        user = User(username=email, email=email)
        if password is None:
            user.set_unusable_password()
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    user.save()
    return user


@transaction.atomic
def organization_create(
    *,
    name: str,
    tier: str = Tier.FREE,
    admin_email: str,
    admin_password: str | None,
    reporting_currency: str = "usd",
) -> Organization:
    name = name.strip()
    if not name:
        raise ValidationError("The organization name must not be empty.")
    if tier not in Tier.values:
        raise ValidationError(f"Unknown tier {tier!r}; use one of {', '.join(Tier.values)}.")
    org = Organization(name=name, tier=tier, reporting_currency=reporting_currency.lower())
    org.full_clean()
    org.save()
    user = _user_upsert(email=admin_email, password=admin_password)
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    return org


def membership_add(*, org: Organization, email: str, password: str | None, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}; use one of {', '.join(Role.values)}.")
    user = _user_upsert(email=email, password=password)
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=org, defaults={"role": role}
    )
    return membership


@transaction.atomic
def organization_update_settings(
    *,
    org: Organization,
    name: str | None = None,
    reporting_currency: str | None = None,
    healthy: Decimal | None = None,
    moderate: Decimal | None = None,
    at_risk: Decimal | None = None,
) -> Organization:
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if name is not None:
        org.name = name.strip()
    if reporting_currency is not None:
        org.reporting_currency = reporting_currency.lower()
    if healthy is not None:
        org.healthy_threshold = healthy
    if moderate is not None:
        org.moderate_threshold = moderate
    if at_risk is not None:
        org.at_risk_threshold = at_risk
    if not (org.healthy_threshold >= org.moderate_threshold >= org.at_risk_threshold):
        raise ValidationError("Thresholds must satisfy healthy ≥ moderate ≥ at risk.")
    org.full_clean()
    org.save()
    return org
