"""Dashboard JSON endpoints of the tenancy core: who am I, switch organization, org settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from margint import services
from margint.errors import NotFound, ValidationFailed
from margint.permissions import PRO_ADMIN, HasActor, IsViewer, actor_of
from margint.serializers import OrgSettingsSerializer, SwitchOrgSerializer, org_json
from margint.tenancy import memberships_of, switch_organization


@api_view(["GET"])
@permission_classes([HasActor, IsViewer])
def me(request: Request) -> Response:
    actor = actor_of(request)
    user = request.user
    return Response(
        {
            "data": {
                "user": {"id": user.pk, "email": user.email, "name": user.get_full_name()},
                "organization": org_json(actor.org),
                "role": actor.role,
                "organizations": [
                    {"id": m.organization.public_id, "name": m.organization.name, "role": m.role}
                    for m in memberships_of(user)
                ],
            }
        }
    )


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def switch_org(request: Request) -> Response:
    serializer = SwitchOrgSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    membership = switch_organization(request._request, serializer.validated_data["orgId"])
    if membership is None:
        raise NotFound("No organization with this id among yours.")
    return Response({"data": {"organization": org_json(membership.organization), "role": membership.role}})


@api_view(["PATCH"])
@permission_classes(PRO_ADMIN)
def org_settings(request: Request) -> Response:
    serializer = OrgSettingsSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    try:
        org = services.organization_update_settings(
            org=actor_of(request).org,
            name=data.get("name"),
            reporting_currency=data.get("reportingCurrency"),
            healthy=data.get("healthyThreshold"),
            moderate=data.get("moderateThreshold"),
            at_risk=data.get("atRiskThreshold"),
        )
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages)) from exc
    return Response({"data": org_json(org)})
