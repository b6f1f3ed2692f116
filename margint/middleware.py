"""Request ids on every response; the JSON error shape on API paths, whoever answered."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from margint.errors import error_response
from margint.logs import request_id_var

logger = logging.getLogger("margint.request")

API_PREFIXES = ("/api/", "/v0/")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


class RequestIdMiddleware:
    """Echo a caller's well-formed X-Request-Id, otherwise mint one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-Id", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # Not reset on the way out: Django logs a 4xx/5xx after the last middleware has returned,
        # and that line must carry the id too; the next request sets its own.
        request_id_var.set(request.request_id)
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        return response


class ApiErrorMiddleware:
    """On API paths, Django's own 404/403/500 pages and login redirects become the JSON shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api_path(request.path) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return error_response(response.status_code)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path):
            return None
        logger.exception("unhandled error on %s (request %s)", request.path, request.request_id)
        details = {"requestId": getattr(request, "request_id", None)}
        if settings.DEBUG:
            details["exception"] = f"{type(exception).__name__}: {exception}"
        return error_response(500, details=details)
