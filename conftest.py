"""Personas shared by every app's tests: an admin, a member and a viewer of one Pro org, an
outsider who is admin of another org, and the admin of a free-tier org."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from margint.celery import app as celery_app
from margint.models import Organization, Role, Tier
from margint.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

IN_CI = bool(os.environ.get("CI"))
FX_SAMPLE = Path(__file__).resolve().parent / "margint" / "fx" / "sample" / "eurofxref-hist-sample.csv"


@pytest.fixture(autouse=True)
def _eager_celery_and_clean_cache():
    """Tasks run in-process in tests (a dedicated test starts a real worker); the cache starts empty."""
    from django.core.cache import cache

    celery_app.conf.task_always_eager = True
    cache.clear()
    yield
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Production-strength PBKDF2 costs about a second per hash on a CI machine; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock_at(monkeypatch) -> Callable[[datetime], datetime]:
    """clock_at(moment): from then on `django.utils.timezone.now()` answers `moment`, in the code
    under test as in the test, so no minute, day or month can turn between what each reads."""

    def _set(moment: datetime) -> datetime:
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
        return moment

    return _set


@pytest.fixture
def requires_postgres(db):
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI must run this test on PostgreSQL (set DATABASE_URL).")
        pytest.skip("needs PostgreSQL")


@pytest.fixture
def requires_redis():
    if not settings.REDIS_URL:
        if IN_CI:
            pytest.fail("CI must run this test against Redis (set REDIS_URL).")
        pytest.skip("needs Redis")


@dataclass
class Persona:
    user: object
    org: Organization
    role: str

    def client(self) -> APIClient:
        client = APIClient()
        client.force_login(self.user)
        return client

    def page_client(self, **options) -> Client:
        """A browser's view of the pages, logged in; `options` go to Django's test `Client`
        (`enforce_csrf_checks=True`, default headers such as `HTTP_HX_REQUEST="true"`)."""
        client = Client(**options)
        client.force_login(self.user)
        return client


def _persona(org: Organization, role: str, email: str) -> Persona:
    membership = MembershipFactory(organization=org, role=role, user=UserFactory(email=email))
    return Persona(user=membership.user, org=org, role=role)


@pytest.fixture
def org(db) -> Organization:
    return OrganizationFactory(name="Acme AI", tier=Tier.PRO)


@pytest.fixture
def admin(org) -> Persona:
    return _persona(org, Role.ADMIN, "admin@acme.test")


@pytest.fixture
def member(org) -> Persona:
    return _persona(org, Role.MEMBER, "member@acme.test")


@pytest.fixture
def viewer(org) -> Persona:
    return _persona(org, Role.VIEWER, "viewer@acme.test")


@pytest.fixture
def other_org(db) -> Organization:
    return OrganizationFactory(name="Rival Inc", tier=Tier.PRO)


@pytest.fixture
def outsider(other_org) -> Persona:
    """Admin of another org: must never see or change anything of `org`."""
    return _persona(other_org, Role.ADMIN, "admin@rival.test")


@pytest.fixture
def free_org(db) -> Organization:
    return OrganizationFactory(name="Tiny Free Co", tier=Tier.FREE)


@pytest.fixture
def free_admin(free_org) -> Persona:
    return _persona(free_org, Role.ADMIN, "admin@free.test")


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def fx_rates(db) -> None:
    """The exchange rates of the repository's sample ECB file (margint/fx/sample), imported."""
    from django.core.management import call_command

    call_command("import_fx_rates", str(FX_SAMPLE), stdout=io.StringIO())
