"""Dashboard JSON for customer mappings and the unmatched queue (Pro tier and above).

Field names follow the customer-mappings and margins documents; `status` and `customerName` on a
mapping and `status` on a pending auto-match are additions, never renames.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mappings import selectors, services
from mappings.models import ChangeSource, CustomerMapping, MatchType
from mappings.selectors import LOOKBACK_DAYS, MARGIN_TAG_KEY
from mappings.validators import identifier_problem
from margint.errors import NotFound, ValidationFailed
from margint.permissions import PRO_ADMIN, PRO_MEMBER, PRO_VIEWER, actor_of


class IdentifierField(serializers.CharField):
    """A Stripe id, tag key or tag value: a string under 255 characters without control characters."""

    def __init__(self, **kwargs) -> None:
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: object) -> str:
        # CharField would turn 123 into "123"; an id sent as a number is a client bug.
        problem = identifier_problem(data)
        if problem is not None:
            raise serializers.ValidationError(problem)
        return data


class MappingUpsertSerializer(serializers.Serializer):
    stripeCustomerId = IdentifierField()
    tagValue = IdentifierField()
    tagKey = IdentifierField(required=False, default=MARGIN_TAG_KEY)
    matchType = serializers.ChoiceField(choices=MatchType.values, required=False, default=MatchType.MANUAL)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as the documents write timestamps."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def mapping_json(mapping: CustomerMapping, names: dict[str, str]) -> dict:
    return {
        "id": str(mapping.id),
        "orgId": mapping.org.public_id,
        "stripeCustomerId": mapping.stripe_customer_id,
        "tagKey": mapping.tag_key,
        "tagValue": mapping.tag_value,
        "matchType": mapping.match_type,
        "confidence": _number(mapping.confidence),
        "createdAt": iso(mapping.created_at),
        "status": mapping.status,
        "customerName": names.get(mapping.stripe_customer_id),
    }


def _one_mapping_json(mapping: CustomerMapping) -> dict:
    names = selectors.customer_names(org=mapping.org, stripe_ids=[mapping.stripe_customer_id])
    return mapping_json(mapping, names)


def _found(request: Request, mapping_id: object) -> CustomerMapping:
    mapping = selectors.mapping_for_org(org=actor_of(request).org, mapping_id=mapping_id)
    if mapping is None:
        raise NotFound("No customer mapping with this id.")
    return mapping


class CustomerMappingsView(APIView):
    """GET lists (viewer); POST upserts and DELETE removes (admin)."""

    def get_permissions(self) -> list:
        classes = PRO_VIEWER if self.request.method in ("GET", "HEAD", "OPTIONS") else PRO_ADMIN
        return [permission() for permission in classes]

    def get(self, request: Request) -> Response:
        org = actor_of(request).org
        mappings = list(selectors.mappings_for_org(org=org))
        names = selectors.customer_names(org=org, stripe_ids={m.stripe_customer_id for m in mappings})
        return Response({"data": [mapping_json(m, names) for m in mappings]})

    def post(self, request: Request) -> Response:
        serializer = MappingUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            mapping, created = services.mapping_upsert(
                org=actor_of(request).org,
                stripe_customer_id=data["stripeCustomerId"],
                tag_value=data["tagValue"],
                tag_key=data["tagKey"],
                match_type=data["matchType"],
                actor=request.user,
                source=ChangeSource.API,
            )
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages))
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response({"data": _one_mapping_json(mapping)}, status=code)

    def delete(self, request: Request) -> Response:
        mapping_id = request.query_params.get("id")
        if not mapping_id:
            message = "This query parameter is required."
            raise ValidationFailed(f"id: {message}", {"fields": {"id": [message]}})
        mapping = _found(request, mapping_id)
        if not services.mapping_delete(mapping=mapping, actor=request.user, source=ChangeSource.API):
            raise NotFound("No customer mapping with this id.")
        return Response({"data": {"deleted": True}})


@api_view(["POST"])
@permission_classes(PRO_ADMIN)
def confirm(request: Request, mapping_id: str) -> Response:
    mapping = _found(request, mapping_id)
    try:
        mapping = services.mapping_confirm(mapping=mapping, actor=request.user, source=ChangeSource.API)
    except CustomerMapping.DoesNotExist:
        raise NotFound("No customer mapping with this id.")
    return Response({"data": _one_mapping_json(mapping)})


@api_view(["POST"])
@permission_classes(PRO_ADMIN)
def reject(request: Request, mapping_id: str) -> Response:
    mapping = _found(request, mapping_id)
    try:
        services.mapping_reject(mapping=mapping, actor=request.user, source=ChangeSource.API)
    except CustomerMapping.DoesNotExist:
        raise NotFound("No customer mapping with this id.")
    return Response({"data": {"deleted": True, "rejected": True}})


@api_view(["POST"])
@permission_classes(PRO_MEMBER)
def automatch(request: Request) -> Response:
    result = services.automatch_run(org=actor_of(request).org, as_of=timezone.now())
    return Response(
        {
            "data": {
                "created": result.created,
                "pending": result.pending,
                "suggested": result.suggested,
                "candidates": result.candidates,
                "ambiguous": result.ambiguous,
                "contested": result.contested,
                "rejected": result.rejected,
                "tagTaken": result.taken,
            }
        }
    )


@api_view(["GET"])
@permission_classes(PRO_VIEWER)
def unmatched(request: Request) -> Response:
    queue = selectors.unmatched_queue(org=actor_of(request).org, as_of=timezone.now())
    return Response({"data": unmatched_json(queue)})


def unmatched_json(queue: selectors.UnmatchedQueue) -> dict:
    return {
        "unmatchedStripeCustomers": [
            {
                "stripeCustomerId": c.stripe_customer_id,
                "customerName": c.customer_name,
                "customerEmail": c.customer_email,
                "totalRevenueMicrodollars": c.total_revenue_micro,
            }
            for c in queue.unmatched_stripe_customers
        ],
        "unmappedTagValues": [
            {
                "tagValue": t.tag_value,
                "totalCostMicrodollars": t.total_cost_micro,
                "requestCount": t.request_count,
            }
            for t in queue.unmapped_tag_values
        ],
        "pendingAutoMatches": [
            {
                "id": p.id,
                "stripeCustomerId": p.stripe_customer_id,
                "customerName": p.customer_name,
                "tagValue": p.tag_value,
                "confidence": _number(p.confidence),
                "status": p.status,
            }
            for p in queue.pending_auto_matches
        ],
        "customerNames": queue.customer_names,
        # The window the totals cover: [start, end) in UTC days.
        "lookback": {"days": LOOKBACK_DAYS, "start": queue.start.isoformat(), "end": queue.end.isoformat()},
    }
