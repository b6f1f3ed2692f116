"""Stripe's error responses: status codes and bodies as the real API sends them, so the stripe
library raises the same exception classes (401 -> AuthenticationError, 404 and 400 ->
InvalidRequestError, 429 -> RateLimitError, 5xx -> APIError)."""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs"


class StripeErrorResponse(Exception):
    """Raised inside the app; becomes one HTTP error response."""

    def __init__(self, status: int, body: dict[str, Any], headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(body["error"]["message"])
        self.status = status
        self.body = body
        self.headers = headers


def error_body(
    kind: str, message: str, *, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind}
    if code is not None:
        error["code"] = code
        error["doc_url"] = f"{DOCS}/error-codes/{code.replace('_', '-')}"
    if param is not None:
        error["param"] = param
    return {"error": error}


def redact_key(key: str) -> str:
    """Stripe echoes an invalid key with all but its prefix and last four characters hidden."""
    prefix = key[:8] if key[:3] in ("sk_", "rk_", "pk_") else ""
    hidden = max(len(key) - len(prefix) - 4, 0)
    return prefix + "*" * hidden + key[len(prefix) + hidden :]


def invalid_api_key(key: str) -> StripeErrorResponse:
    message = f"Invalid API Key provided: {redact_key(key)}"
    return StripeErrorResponse(401, error_body("invalid_request_error", message))


def missing_api_key() -> StripeErrorResponse:
    message = (
        "You did not provide an API key. You need to provide your API key in the Authorization "
        "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). "
        f"See {DOCS}/api#authentication for details."
    )
    return StripeErrorResponse(401, error_body("invalid_request_error", message))


def resource_missing(noun: str, object_id: str, *, param: str = "id", status: int = 404):
    body = error_body(
        "invalid_request_error",
        f"No such {noun}: '{object_id}'",
        code="resource_missing",
        param=param,
    )
    return StripeErrorResponse(status, body)


def unrecognized_url(method: str, path: str) -> StripeErrorResponse:
    message = f"Unrecognized request URL ({method}: {path}). Please see {DOCS} for the API reference."
    return StripeErrorResponse(404, error_body("invalid_request_error", message))


def invalid_param(param: str, message: str) -> StripeErrorResponse:
    body = error_body("invalid_request_error", message, code="parameter_invalid_integer", param=param)
    return StripeErrorResponse(400, body)


def rate_limit_body() -> dict[str, Any]:
    message = f"Request rate limit exceeded. You can learn more about rate limits here {DOCS}/rate-limits."
    return error_body("invalid_request_error", message, code="rate_limit")


def api_error_body() -> dict[str, Any]:
    return error_body("api_error", "An unknown error occurred")
