"""Writes of the tenancy core."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from margint.fx.selectors import currencies_with_rates, has_rates
from margint.fx.services import currency_rebuild_begin
from margint.models import Membership, Organization, Role, Tier
from margint.signals import reporting_currency_changed


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
    membership, _ = Membership.objects.update_or_create(user=user, organization=org, defaults={"role": role})
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
    previous_currency = org.reporting_currency
    if name is not None:
        org.name = name.strip()
    if reporting_currency is not None:
        org.reporting_currency = _currency_with_rates(reporting_currency, previous_currency)
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
    if org.reporting_currency != previous_currency:
        # Every amount is converted again (never relabelled): the fact sources start their parts.
        rebuild = currency_rebuild_begin(org=org, previous=previous_currency)
        reporting_currency_changed.send(sender=Organization, org=org, rebuild=rebuild)
    return org


def _currency_with_rates(currency: str, current: str) -> str:
    code = currency.strip().lower()
    if code == current:
        return code
    try:
        known = has_rates(code)
    except ValueError:
        raise ValidationError(f"{currency!r} is not a three-letter ISO 4217 code.") from None
    if not known:
        raise ValidationError(
            f"{code.upper()} has no exchange rates: choose one of "
            f"{', '.join(c.upper() for c in currencies_with_rates())}, or import rates first."
        )
    return code


LAST_ADMIN_MESSAGE = "An organization keeps at least one admin: make someone else admin first."


def _lock_org(org: Organization) -> Organization:
    """Membership changes of one org run one at a time, so two admins cannot demote each other at once."""
    return Organization.objects.select_for_update().get(pk=org.pk)


def _ensure_another_admin(*, org: Organization, membership: Membership) -> None:
    others = Membership.objects.filter(organization=org, role=Role.ADMIN).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError(LAST_ADMIN_MESSAGE, code="last_admin")


@transaction.atomic
def membership_invite(*, org: Organization, email: str, role: str, password: str | None = None) -> Membership:
    """Add a person to the org. A new account gets `password` (or none: a password reset sets it);
    an existing account's password is never touched, since it may belong to other organizations."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; use one of {', '.join(Role.values)}."})
    _lock_org(org)
    User = get_user_model()
    user = User.objects.filter(username=email).first()
    if user is not None and Membership.objects.filter(organization=org, user=user).exists():
        raise ValidationError({"email": f"{email} is already a member."}, code="duplicate")
    if user is None:
        try:
            user = _user_upsert(email=email, password=password or None)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    return Membership.objects.create(user=user, organization=org, role=role)


@transaction.atomic
def membership_change_role(*, org: Organization, membership_id: int, role: str) -> Membership:
    """Change a member's role; demoting the last admin is refused. Raises Membership.DoesNotExist
    for a membership of another org."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; use one of {', '.join(Role.values)}."})
    _lock_org(org)
    membership = Membership.objects.get(organization=org, pk=membership_id)
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _ensure_another_admin(org=org, membership=membership)
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, org: Organization, membership_id: int) -> Membership:
    """Remove a member (the account stays); removing the last admin is refused."""
    _lock_org(org)
    membership = Membership.objects.select_related("user").get(organization=org, pk=membership_id)
    if membership.role == Role.ADMIN:
        _ensure_another_admin(org=org, membership=membership)
    membership.delete()
    return membership
