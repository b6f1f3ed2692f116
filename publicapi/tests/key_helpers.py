"""API keys for tests: a DRF client presenting a fresh key of an org by either header."""

from __future__ import annotations

from rest_framework.test import APIClient

from publicapi.keys import api_key_create


def key_for(org, scopes: tuple[str, ...] = ("read", "write"), name: str = "test key") -> str:
    return api_key_create(org=org, name=name, scopes=scopes).secret


def keyed_client(secret: str, header: str = "bearer") -> APIClient:
    client = APIClient()
    if header == "bearer":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    else:
        client.credentials(HTTP_X_API_KEY=secret)
    return client


def org_client(org, scopes: tuple[str, ...] = ("read", "write"), header: str = "bearer") -> APIClient:
    return keyed_client(key_for(org, scopes), header)
