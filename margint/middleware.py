"""Request ids on every response; the JSON error shape on API paths, whoever answered."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse

from margint.errors import error_response
from margint.logs import request_id_var

logger = logging.getLogger("margint.request")

API_PREFIXES = ("/api/", "/v0/")
_CONTROL_IN_PATH = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
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


def _announced_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiErrorMiddleware:
    """On API paths, Django's own 404/403/500 pages and login redirects become the JSON shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _CONTROL_IN_PATH.search(request.path):
            # No customer id, mapping or organization is named with a control character (and NUL
            # cannot even be stored): such a path names nothing, before any lookup fails on it.
            if is_api_path(request.path):
                return error_response(404, message="No resource has a control character in its path.")
            raise Http404("No page has a control character in its path.")
        if is_api_path(request.path) and _announced_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            # Refused before it is read (Django would answer 400 on reading it; this is 413).
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            message = f"The request body is larger than {limit} bytes."
            return error_response(413, message=message, details={"maxBytes": limit})
        response = self.get_response(request)
        if not is_api_path(request.path) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return error_response(response.status_code)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path):
            return None
        if isinstance(exception, (OperationalError, InterfaceError)):
            # The database went away mid-request (restart, failover): the request's transaction
            # was rolled back, so the caller can safely send it again.
            logger.warning(
                "database unavailable on %s (request %s): %s", request.path, request.request_id, exception
            )
            response = error_response(
                503,
                "service_unavailable",
                "The database is unavailable for a moment; nothing was changed. Retry the request.",
                {"requestId": getattr(request, "request_id", None)},
            )
            response["Retry-After"] = "5"
            return response
        logger.exception("unhandled error on %s (request %s)", request.path, request.request_id)
        details = {"requestId": getattr(request, "request_id", None)}
        if settings.DEBUG:
            details["exception"] = f"{type(exception).__name__}: {exception}"
        return error_response(500, details=details)
