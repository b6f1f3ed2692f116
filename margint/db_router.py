"""Dashboard pages read from a PostgreSQL replica when DATABASE_REPLICA_URL is set.

Only reads of the product's data (cost, revenue, mappings) made while a page is served by a GET
go to the `replica` alias: sessions, users and memberships stay on the primary (a replica a few
milliseconds behind must not log out someone who just logged in), and so does every write and
every API request, which may read what it has just written. Without a replica nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
REPLICA_APPS = frozenset({"margins", "billing", "mappings", "webhooks"})
_page_read: ContextVar[bool] = ContextVar("page_read", default=False)
_NOT_PAGES = ("/api/", "/v0/", "/admin/", "/accounts/", "/healthz", "/readyz", "/metrics")


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        if _page_read.get() and model._meta.app_label in REPLICA_APPS and settings.DATABASE_REPLICA:
            return REPLICA
        return None

    def db_for_write(self, model, **hints) -> str | None:
        return None

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two connections to it

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db != REPLICA


class ReplicaReadsMiddleware:
    """Marks GET and HEAD requests for pages as free to read from the replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _page_read.set(request.method in ("GET", "HEAD") and not request.path.startswith(_NOT_PAGES))
        try:
            return self.get_response(request)
        finally:
            _page_read.reset(token)
