"""Public API test fixtures: a fixed clock, keys of the personas' orgs, keyed clients."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from publicapi.tests.factories import secret_for

# A Wednesday afternoon in the middle of a month: windows and months are easy to check by hand.
NOW = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return NOW


def keyed(secret: str, header: str = "bearer") -> APIClient:
    if header == "bearer":
        return APIClient(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return APIClient(HTTP_X_API_KEY=secret)


@pytest.fixture
def api(org):
    """A client with a read+write key of `org`."""
    return keyed(secret_for(org))


@pytest.fixture
def read_only_api(org):
    return keyed(secret_for(org, scopes=("read",), name="reader"))


@pytest.fixture
def outsider_api(other_org):
    """A key of another organization: must never see or change anything of `org`."""
    return keyed(secret_for(other_org, name="rival"))


@pytest.fixture
def free_api(free_org):
    return keyed(secret_for(free_org, name="free"))
