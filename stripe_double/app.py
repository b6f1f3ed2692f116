"""The WSGI application: request log, faults, Stripe auth, routing, JSON responses."""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from .dataset import StripeDataset
from .errors import StripeErrorResponse, invalid_api_key, missing_api_key, unrecognized_url
from .faults import Fault, FaultPlan
from .routes import Call, route

DEFAULT_API_KEY = "rk_test_margint_double"
DEFAULT_ACCOUNT_ID = "acct_margint_double"
DEFAULT_EMBEDDED_LINES = 10

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; `query` keeps the last value of each key (Stripe's own
    encoding never repeats a key: arrays arrive as `expand[0]`, `expand[1]`)."""

    method: str
    path: str
    query: dict[str, str]
    api_key: str | None


class StripeDoubleApp:
    """Serves a `StripeDataset` read-only over Stripe's v1 GET endpoints."""

    def __init__(
        self,
        dataset: StripeDataset,
        *,
        api_keys: Iterable[str] = (DEFAULT_API_KEY,),
        embedded_lines: int = DEFAULT_EMBEDDED_LINES,
        faults: FaultPlan | None = None,
        accounts: Mapping[str, str] | None = None,
    ) -> None:
        """`accounts`: the Stripe account id of some keys (accepted keys too), as GET /v1/account
        answers it; every other accepted key belongs to DEFAULT_ACCOUNT_ID."""
        self.dataset = dataset
        self.accounts = dict(accounts or {})
        self.api_keys = frozenset(api_keys) | frozenset(self.accounts)
        self.embedded_lines = embedded_lines
        self.faults = faults or FaultPlan()
        # Set on shutdown so that a `slow` fault stops waiting.
        self.stopping = threading.Event()
        self._log_lock = threading.Lock()
        self._log: list[RecordedRequest] = []
        self._request_ids = itertools.count(1)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._log_lock:
            return list(self._log)

    def requests_to(self, path_prefix: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path.startswith(path_prefix)]

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO") or "/"
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        api_key = _api_key(environ)
        with self._log_lock:
            self._log.append(RecordedRequest(method, path, query, api_key))
        fault = self.faults.match(path)
        if fault is not None and fault.kind == "slow":
            self.stopping.wait(fault.delay)
        if fault is not None and fault.kind == "error":
            status, payload, headers = fault.status, _encode(fault.body), list(fault.headers)
        else:
            status, payload, headers = self._respond(method, path, query, api_key)
        headers += [("Request-Id", f"req_{next(self._request_ids):014d}")]
        return _send(start_response, status, payload, headers, fault)

    def _respond(
        self, method: str, path: str, query: dict[str, str], api_key: str | None
    ) -> tuple[int, bytes, Headers]:
        try:
            body = self._handle(method, path, query, api_key)
        except StripeErrorResponse as error:
            return error.status, _encode(error.body), list(error.headers)
        return 200, _encode(body), []

    def _handle(self, method: str, path: str, query: dict[str, str], api_key: str | None) -> dict[str, Any]:
        if api_key is None:
            raise missing_api_key()
        if api_key not in self.api_keys:
            raise invalid_api_key(api_key)
        if method == "GET" and path == "/v1/account":  # the account the key belongs to
            return {"id": self.accounts.get(api_key, DEFAULT_ACCOUNT_ID), "object": "account"}
        found = route(path) if method == "GET" else None
        if found is None:
            raise unrecognized_url(method, path)
        handler, ids = found
        return handler(Call(self.dataset, query, ids, self.embedded_lines))


def _api_key(environ: dict[str, Any]) -> str | None:
    """Bearer auth as the stripe library sends it; Basic (key as user name) as curl -u does."""
    scheme, _, credentials = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(credentials).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user or None
    return None


def _encode(body: dict[str, Any] | bytes | None) -> bytes:
    if isinstance(body, bytes):
        return body
    return json.dumps(body if body is not None else {}).encode()


def _send(
    start_response: Any, status: int, payload: bytes, headers: Headers, fault: Fault | None
) -> Iterable[bytes]:
    kind = fault.kind if fault is not None else None
    sent = payload
    if kind in ("truncate", "disconnect"):
        assert fault is not None
        sent = payload[: int(len(payload) * fault.cut_at)]
    announced = len(payload) if kind == "disconnect" else len(sent)
    headers = [("Content-Type", "application/json"), ("Content-Length", str(announced)), *headers]
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    if kind == "disconnect":
        return _then_close(sent)
    return [sent]


def _then_close(chunk: bytes) -> Iterator[bytes]:
    yield chunk
    # wsgiref treats this as the peer going away: it stops writing and the server closes the
    # socket, so the client sees fewer bytes than Content-Length announced.
    raise ConnectionAbortedError("injected disconnect")
