"""The Stripe webhook endpoint: a plain view, because the signature covers the raw body."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.stripe_gateway import WebhookSignatureInvalid
from billing.webhooks import WebhookNotConfigured, stripe_webhook_receive
from margint.errors import error_response
from margint.models import Organization


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
