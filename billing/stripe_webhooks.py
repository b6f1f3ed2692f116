"""Stripe webhooks: verify, record once per event id, update mirrors, recompute only touched days.

Each delivery is verified with the org's signing secret (Stripe's own check, 300 s tolerance).
The StripeWebhookEvent row, unique on (org, event id), makes processing idempotent: a processed
or ignored event delivered again changes nothing. A failed one is recorded with its error (the
finance status reports it) and answered with a 5xx so that Stripe delivers it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import signals
from billing.mirrors import (
    OPEN_INVOICE_STATUSES,
    credit_notes_upsert,
    customers_upsert,
    invoice_delete,
    invoices_upsert,
    subscriptions_upsert,
)
from billing.models import (
    StripeConnection,
    StripeCreditNote,
    StripeCustomer,
    StripeInvoice,
    StripeSubscription,
    StripeWebhookEvent,
)
from billing.revenue import DayKey, revenue_daily_recompute, revenue_lock
from billing.stripe_gateway import StripeGateway, WebhookSignatureInvalid, construct_event
from billing.stripe_objects import (
    EventData,
    parse_credit_note,
    parse_customer,
    parse_invoice,
    parse_subscription,
)
from margint.crypto import decrypt
from margint.errors import error_response
from margint.models import Organization

logger = logging.getLogger(__name__)


class WebhookNotConfigured(Exception):
    """No connection, or no signing secret stored for it: nothing to verify against."""


@dataclass(frozen=True)
class WebhookOutcome:
    event_id: str
    type: str
    status: str  # processed | ignored | duplicate | failed
    error: str = ""


def stripe_webhook_receive(*, org: Organization, payload: bytes, signature: str | None) -> WebhookOutcome:
    """Verify and apply one delivery. Raises WebhookNotConfigured or WebhookSignatureInvalid."""
    connection = StripeConnection.objects.filter(org=org).first()
    if connection is None or not connection.encrypted_webhook_secret:
        raise WebhookNotConfigured("No webhook signing secret is configured for this organization.")
    event = construct_event(payload, signature, decrypt(connection.encrypted_webhook_secret))
    if _already_done(org, event):
        return WebhookOutcome(event.stripe_id, event.type, "duplicate")
    handler = handler_for(event.type)
    try:
        # Reads Stripe when the payload is incomplete (more invoice lines, unexpanded coupons).
        prepared = handler.prepare(event, _lazy_gateway(connection)) if handler else None
    except Exception as error:
        return _record_failure(org, event, error)
    return _apply(org, event, handler, prepared)


def _already_done(org: Organization, event: EventData) -> bool:
    done = (StripeWebhookEvent.Status.PROCESSED, StripeWebhookEvent.Status.IGNORED)
    return StripeWebhookEvent.objects.filter(org=org, stripe_id=event.stripe_id, status__in=done).exists()


def _apply(org: Organization, event: EventData, handler: Handler | None, prepared: object) -> WebhookOutcome:
    with transaction.atomic():
        row, created = StripeWebhookEvent.objects.select_for_update().get_or_create(
            org=org,
            stripe_id=event.stripe_id,
            defaults={
                "type": event.type,
                "created": event.created,
                "status": StripeWebhookEvent.Status.FAILED,
            },
        )
        if not created and row.status != StripeWebhookEvent.Status.FAILED:
            return WebhookOutcome(event.stripe_id, event.type, "duplicate")  # a concurrent delivery won
        try:
            with transaction.atomic():
                changed = handler.apply(org, event, prepared) if handler else None
        except Exception as error:
            logger.exception("webhook %s (%s) failed for %s", event.stripe_id, event.type, org.public_id)
            _mark(row, StripeWebhookEvent.Status.FAILED, _describe(error))
            return WebhookOutcome(event.stripe_id, event.type, "failed", row.error)
        status = StripeWebhookEvent.Status.PROCESSED if handler else StripeWebhookEvent.Status.IGNORED
        _mark(row, status, "")
    if changed:
        _announce_revenue_changed(org)
    return WebhookOutcome(event.stripe_id, event.type, str(status))


def _announce_revenue_changed(org: Organization) -> None:
    try:
        signals.revenue_changed.send(sender=None, org=org, as_of=timezone.now())
    except Exception:  # the event is committed; Stripe must not deliver it again for this
        logger.exception("receivers of revenue_changed failed for %s", org.public_id)


def _record_failure(org: Organization, event: EventData, error: Exception) -> WebhookOutcome:
    logger.warning("webhook %s (%s) could not be prepared: %s", event.stripe_id, event.type, error)
    row, _ = StripeWebhookEvent.objects.get_or_create(
        org=org,
        stripe_id=event.stripe_id,
        defaults={"type": event.type, "created": event.created, "status": StripeWebhookEvent.Status.FAILED},
    )
    _mark(row, StripeWebhookEvent.Status.FAILED, _describe(error))
    return WebhookOutcome(event.stripe_id, event.type, "failed", row.error)


def _mark(row: StripeWebhookEvent, status: str, error: str) -> None:
    row.status, row.error, row.processed_at = status, error, timezone.now()
    row.save(update_fields=["status", "error", "processed_at"])


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _lazy_gateway(connection: StripeConnection) -> Callable[[], StripeGateway]:
    return lambda: StripeGateway(decrypt(connection.encrypted_key))


# -- handlers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    """`prepare` parses (and completes from Stripe, outside any transaction); `apply` writes under
    the org's revenue lock and answers whether revenue changed."""

    prepare: Callable[[EventData, Callable[[], StripeGateway]], object]
    write: Callable[[Organization, EventData, object], set[DayKey]]
    model: type[Model]

    def apply(self, org: Organization, event: EventData, prepared: object) -> bool:
        revenue_lock(org=org)
        # Stripe does not deliver in order: an event older than what was applied is stale.
        stripe_id = event.object.get("id")
        newer = self.model.objects.filter(org=org, stripe_id=stripe_id, event_at__gt=event.created)
        if prepared is None or newer.exists():
            return False
        touched = self.write(org, event, prepared)
        return bool(revenue_daily_recompute(org=org, keys=touched))


def _prepare_customer(event: EventData, _gateway: Callable[[], StripeGateway]) -> object:
    customer = parse_customer(event.object)
    return replace(customer, deleted=True) if event.type == "customer.deleted" else customer


def _write_customer(org: Organization, event: EventData, customer: object) -> set[DayKey]:
    customers_upsert(org=org, customers=[customer])
    _stamp(StripeCustomer, org, event)
    return set()


def _prepare_subscription(event: EventData, gateway: Callable[[], StripeGateway]) -> object:
    subscription = parse_subscription(event.object)
    unresolved = any(isinstance(d, str) for d in event.object.get("discounts") or [])
    # Event payloads carry discount ids only; the coupon is needed to price MRR.
    if unresolved or subscription.items_has_more:
        return gateway().retrieve_subscription(subscription.stripe_id)
    return subscription


def _write_subscription(org: Organization, event: EventData, subscription: object) -> set[DayKey]:
    subscriptions_upsert(org=org, subscriptions=[subscription], event_at=event.created)
    return set()


def _prepare_invoice(event: EventData, gateway: Callable[[], StripeGateway]) -> object:
    invoice = parse_invoice(event.object)
    if event.type != "invoice.deleted" and invoice.status == "draft":
        return None  # drafts are not facts yet; the finalized invoice arrives with its own event
    return gateway().complete_lines(invoice) if invoice.lines_has_more else invoice


def _write_invoice(org: Organization, event: EventData, invoice: object) -> set[DayKey]:
    if event.type == "invoice.deleted":
        return invoice_delete(org=org, stripe_id=invoice.stripe_id)
    known = StripeInvoice.objects.filter(org=org, stripe_id=invoice.stripe_id).values_list(
        "status", flat=True
    )
    # Stripe never reopens a paid, void or uncollectible invoice; a late event must not either.
    if known and known[0] not in OPEN_INVOICE_STATUSES and invoice.status in OPEN_INVOICE_STATUSES:
        return set()
    return invoices_upsert(org=org, invoices=[invoice], event_at=event.created).touched


def _prepare_credit_note(event: EventData, _gateway: Callable[[], StripeGateway]) -> object:
    return parse_credit_note(event.object)


def _write_credit_note(org: Organization, event: EventData, note: object) -> set[DayKey]:
    return credit_notes_upsert(org=org, credit_notes=[note], event_at=event.created).touched


def _stamp(model: type[Model], org: Organization, event: EventData) -> None:
    model.objects.filter(org=org, stripe_id=event.object.get("id")).update(event_at=event.created)


HANDLERS: dict[str, Handler] = {
    "customer.created": Handler(_prepare_customer, _write_customer, StripeCustomer),
    "customer.updated": Handler(_prepare_customer, _write_customer, StripeCustomer),
    "customer.deleted": Handler(_prepare_customer, _write_customer, StripeCustomer),
    "customer.subscription.*": Handler(_prepare_subscription, _write_subscription, StripeSubscription),
    "invoice.*": Handler(_prepare_invoice, _write_invoice, StripeInvoice),
    "credit_note.*": Handler(_prepare_credit_note, _write_credit_note, StripeCreditNote),
}


def handler_for(event_type: str) -> Handler | None:
    """The handler of an event type, exact or by family (invoice.* ...); None: ignored."""
    if event_type in HANDLERS:
        return HANDLERS[event_type]
    prefix = event_type.rsplit(".", 1)[0]
    return HANDLERS.get(f"{prefix}.*")


# The endpoint: a plain view, because the signature covers the raw body. ---------------------------


@csrf_exempt  # Stripe signs the body instead; there is no session or CSRF cookie
@require_POST
def stripe_webhook(request: HttpRequest, org_public_id: str) -> JsonResponse:
    org = Organization.objects.filter(public_id=org_public_id).first()
    if org is None:
        return error_response(404, message="No organization with this id.")
    try:
        outcome = stripe_webhook_receive(
            org=org, payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except WebhookNotConfigured as error:
        return error_response(400, "webhook_not_configured", str(error))
    except WebhookSignatureInvalid as error:
        return error_response(400, "invalid_signature", str(error))
    if outcome.status == "failed":
        # A 5xx makes Stripe deliver the event again later; the failure is kept for the health report.
        return error_response(
            500,
            "webhook_processing_failed",
            "The event could not be processed.",
            {"eventId": outcome.event_id},
        )
    # Event types Margint does not read are answered 2xx too, or Stripe would keep retrying them.
    body = {"received": True, "eventId": outcome.event_id, "type": outcome.type, "status": outcome.status}
    return JsonResponse({"data": body})
