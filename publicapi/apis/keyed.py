"""The base of every keyed endpoint: key auth, a per-key rate limit, and its headers on every answer."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from margint.permissions import HasActor, actor_of
from publicapi import ratelimit
from publicapi.auth import ApiKeyAuthentication


class KeyRateThrottle(BaseThrottle):
    """Counts the request against its key's per-org limit of the view's kind (read or ingest)."""

    def allow_request(self, request, view) -> bool:
        actor = actor_of(request)
        if actor is None or actor.api_key is None:
            return True
        kind = getattr(view, "rate_limit_kind", "read")
        limit = actor.org.ingest_rate_limit if kind == "ingest" else actor.org.read_rate_limit
        state = ratelimit.hit(key_id=str(actor.api_key.pk), kind=kind, limit=limit)
        request._ratelimit_state = state
        self._state = state
        return not state.exceeded

    def wait(self) -> float:
        return float(self._state.retry_after)


class KeyedApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasActor]
    throttle_classes = [KeyRateThrottle]
    rate_limit_kind = "read"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        state = getattr(request, "_ratelimit_state", None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
            if state.exceeded:
                response["Retry-After"] = str(state.retry_after)
        return response

    def check_permissions(self, request) -> None:
        # Count the request before the scope check: a key refused for its scope still spends its
        # limit and is answered with the rate-limit headers, like every keyed response.
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request) -> None:
        if getattr(request, "_ratelimit_state", None) is None:
            super().check_throttles(request)

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated("An API key is required.")
        super().permission_denied(request, message=message, code=code)
