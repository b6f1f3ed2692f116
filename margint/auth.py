"""DRF authentication for the dashboard JSON API: the Django session and the active organization."""

from __future__ import annotations

from rest_framework import authentication

from margint.tenancy import Actor, session_actor


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth whose ``request.auth`` is the Actor; answers 401 (never 403) when signed out."""

    def authenticate(self, request) -> tuple[object, Actor] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        actor = session_actor(request._request)
        if actor is None:
            return None
        return user, actor

    def authenticate_header(self, request) -> str:
        return 'Session realm="margint"'
