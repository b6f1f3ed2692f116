"""The base of every keyed endpoint: key auth, a per-key rate limit, and its headers on every answer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from margint.permissions import HasActor, RequiresPro, actor_of, scope_permission
from margint.throttling import SessionRateThrottle
from publicapi import ratelimit
from publicapi.auth import ApiKeyAuthentication
from publicapi.serializers import ErrorSerializer

READ = [HasActor, RequiresPro, scope_permission("read")]
WRITE = [HasActor, RequiresPro, scope_permission("write")]


class KeyRateThrottle(BaseThrottle):
    """Counts the request against its key's per-org limit of the view's kind (read or ingest)."""

    def allow_request(self, request, view) -> bool:
        actor = actor_of(request)
        if actor is None or actor.api_key is None:
            return True
        kind = getattr(view, "rate_limit_kind", "read")
        limit = actor.org.ingest_rate_limit if kind == "ingest" else actor.org.read_rate_limit
        limit = getattr(view, "rate_limit_per_minute", None) or limit
        state = ratelimit.hit(key_id=str(actor.api_key.pk), kind=kind, limit=limit)
        request._ratelimit_state = state
        self._state = state
        return not state.exceeded

    def wait(self) -> float:
        return float(self._state.retry_after)


CURRENCY_HEADER = "Margint-Reporting-Currency"


class KeyedApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasActor]
    # Keys count in KeyRateThrottle; sessions (where a view takes them) per user.
    throttle_classes = [KeyRateThrottle, SessionRateThrottle]
    rate_limit_kind = "read"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        state = getattr(request, "_ratelimit_state", None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
            if state.exceeded:
                response["Retry-After"] = str(state.retry_after)
        actor = actor_of(request)
        if actor is not None:
            # Every amount of a keyed response is in the org's reporting currency: say which.
            response[CURRENCY_HEADER] = actor.org.reporting_currency.upper()
        return response

    def check_permissions(self, request) -> None:
        # Count the request before the scope check: a key refused for its scope still spends its
        # limit and is answered with the rate-limit headers, like every keyed response.
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request) -> None:
        # Called from check_permissions and again by DRF: a request is counted once.
        if not getattr(request, "_throttles_checked", False):
            request._throttles_checked = True
            super().check_throttles(request)

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated("An API key is required.")
        super().permission_denied(request, message=message, code=code)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of a keyed operation, in the error shape of every endpoint."""
    described = {
        400: "Invalid query or body (validation_error)",
        401: "Missing or invalid API key",
        403: "The key lacks the scope, or the organization is not on the Pro plan",
        404: "Not found",
        429: "Rate limit exceeded",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=described[code]) for code in codes}
