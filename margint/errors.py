"""One error shape for every JSON endpoint: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger(__name__)

# Codes by HTTP status, for responses that were not built by an ApiError.
CODE_BY_STATUS = {
    400: "validation_error",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
}

MESSAGE_BY_STATUS = {
    400: "The request is not valid.",
    401: "Authentication is required.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflict.",
    413: "The request body is too large.",
    429: "Too many requests.",
    500: "Internal server error.",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(
    status_code: int, code: str | None = None, message: str | None = None, details: dict | None = None
) -> JsonResponse:
    return JsonResponse(
        error_body(
            code or CODE_BY_STATUS.get(status_code, "error"),
            message or MESSAGE_BY_STATUS.get(status_code, "Error."),
            details,
        ),
        status=status_code,
    )


class ApiError(exceptions.APIException):
    """An error with an explicit code, for cases the DRF classes do not name."""

    def __init__(
        self, status_code: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.message = message
        self.details = details or {}


class ValidationFailed(ApiError):
    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(400, "validation_error", message, details)


class Conflict(ApiError):
    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(409, "conflict", message, details)


class NotFound(ApiError):
    def __init__(self, message: str = "Not found.", details: dict[str, Any] | None = None) -> None:
        super().__init__(404, "not_found", message, details)


class Forbidden(ApiError):
    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(403, "forbidden", message, details)


def _flatten(detail: Any) -> Any:
    """DRF ErrorDetail trees become plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = _first_message(value)
            return inner if key == "non_field_errors" else f"{key}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def _translate(exc: Exception) -> tuple[int, str, str, dict[str, Any]]:
    if isinstance(exc, ApiError):
        return exc.status_code, exc.error_code, exc.message, exc.details
    if isinstance(exc, exceptions.ValidationError):
        return 400, "validation_error", _first_message(exc.detail), {"fields": _flatten(exc.detail)}
    if isinstance(exc, exceptions.ParseError):
        message = str(exc.detail)
        if not message.startswith("The request body"):  # DRF's own words name its parser's internals
            message = "The request body is not valid JSON."
        return 400, "validation_error", message, {}
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return 401, "authentication_required", str(exc.detail), {}
    if isinstance(exc, (exceptions.PermissionDenied, DjangoPermissionDenied)):
        message = str(getattr(exc, "detail", "")) or MESSAGE_BY_STATUS[403]
        return 403, "forbidden", message, {}
    if isinstance(exc, (exceptions.NotFound, Http404)):
        return 404, "not_found", "Not found.", {}
    if isinstance(exc, exceptions.Throttled):
        return 429, "rate_limited", "Too many requests.", {"retryAfter": exc.wait}
    if isinstance(exc, exceptions.APIException):
        code = CODE_BY_STATUS.get(exc.status_code, "error")
        return exc.status_code, code, str(exc.detail), {}
    raise TypeError("not an API exception")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler. Unknown exceptions fall through to the middleware's 500."""
    try:
        status_code, code, message, details = _translate(exc)
    except TypeError:
        return None
    response = Response(error_body(code, message, details), status=status_code)
    if status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    wait = getattr(exc, "wait", None)
    if status_code == 429 and wait:
        response["Retry-After"] = str(int(wait))
    return response
