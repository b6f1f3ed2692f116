"""DRF authentication by workspace API key, `Authorization: Bearer` or `x-api-key`."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from margint.tenancy import Actor
from publicapi.keys import api_key_verify


class ApiKeyUser:
    """The user of a keyed request: authenticated, never staff, no Django user behind it."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, api_key) -> None:
        self.api_key = api_key

    def __str__(self) -> str:
        return f"api key {self.api_key.prefix}"


def presented_key(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""
    x_api_key = request.META.get("HTTP_X_API_KEY")
    return x_api_key.strip() if x_api_key is not None else None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request) -> tuple[ApiKeyUser, Actor] | None:
        secret = presented_key(request)
        if secret is None:
            return None
        key = api_key_verify(secret) if secret else None
        if key is None:
            raise exceptions.AuthenticationFailed("The API key is missing, malformed, unknown or revoked.")
        actor = Actor(org=key.org, api_key=key, scopes=frozenset(key.scopes))
        return ApiKeyUser(key), actor

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
