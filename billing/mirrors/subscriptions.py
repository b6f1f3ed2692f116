"""Subscription mirrors and their items (the items of a subscription are replaced as a whole)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from billing.mirrors.customers import customer_pks
from billing.mirrors.upsert import BATCH_SIZE, fingerprint_of, mirror_upsert, unchanged_left_out
from billing.models import StripeSubscription, StripeSubscriptionItem
from billing.stripe_objects import DiscountData, SubscriptionData
from margint.models import Organization


def discounts_json(discounts: Sequence[DiscountData]) -> list[dict]:
    return [
        {
            "duration": d.duration,
            "percent_off": d.percent_off,
            "amount_off": d.amount_off,
            "currency": d.currency,
            "end": d.end.isoformat() if d.end else None,
        }
        for d in discounts
    ]


def subscriptions_upsert(
    *, org: Organization, subscriptions: Sequence[SubscriptionData], event_at: datetime | None = None
) -> None:
    subscriptions = unchanged_left_out(StripeSubscription, org, subscriptions)
    if not subscriptions:
        return
    customers = customer_pks(org=org, stripe_ids=[sub.customer_id for sub in subscriptions])
    rows = [_subscription_row(org, sub, customers[sub.customer_id], event_at) for sub in subscriptions]
    mirror_upsert(StripeSubscription, rows)
    pks = dict(
        StripeSubscription.objects.filter(
            org=org, stripe_id__in=[sub.stripe_id for sub in subscriptions]
        ).values_list("stripe_id", "pk")
    )
    StripeSubscriptionItem.objects.filter(org=org, subscription_id__in=pks.values()).delete()
    items = [
        StripeSubscriptionItem(
            org=org,
            subscription_id=pks[sub.stripe_id],
            stripe_id=item.stripe_id,
            price_id=item.price_id,
            product_id=item.product_id,
            nickname=item.nickname,
            currency=item.currency,
            unit_amount_decimal=item.unit_amount_decimal,
            interval=item.interval,
            interval_count=item.interval_count,
            usage_type=item.usage_type,
            quantity=item.quantity,
            discounts=discounts_json(item.discounts),
        )
        for sub in subscriptions
        for item in sub.items
    ]
    StripeSubscriptionItem.objects.bulk_create(items, batch_size=BATCH_SIZE)


def _subscription_row(
    org: Organization, sub: SubscriptionData, customer_pk: int, event_at: datetime | None
) -> StripeSubscription:
    return StripeSubscription(
        org=org,
        stripe_id=sub.stripe_id,
        stripe_customer_id=customer_pk,
        status=sub.status,
        currency=sub.currency,
        created=sub.created,
        current_period_start=sub.current_period_start,
        current_period_end=sub.current_period_end,
        trial_end=sub.trial_end,
        canceled_at=sub.canceled_at,
        discounts=discounts_json(sub.discounts),
        event_at=event_at,
        fingerprint=fingerprint_of(sub),
    )
