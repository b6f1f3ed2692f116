"""Fault injection, programmed from tests while the server runs.

A fault matches requests whose path starts with `path_prefix`. It counts matching requests from
the moment it is added, lets the first `nth - 1` through, then fires on the next `times` of them
(`times=None`: on every one from then on). When several faults fire on one request, the first
added wins; every matching fault still counts the request.

The stripe library retries a 429 only when the response carries `Stripe-Should-Retry: true`
(real Stripe sends it for lock timeouts), and retries a 5xx unless it carries
`Stripe-Should-Retry: false`; both need `max_network_retries` > 0 on the client.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .errors import api_error_body, rate_limit_body

KINDS = ("error", "slow", "truncate", "disconnect")


@dataclass
class Fault:
    """`error`: answer `status` with `body` instead of the real response.
    `slow`: wait `delay` seconds, then answer normally.
    `truncate`: answer 200 with the real body cut at `cut_at` (a fraction), Content-Length
    matching the cut, so the client gets a complete response that is not valid JSON.
    `disconnect`: announce the full Content-Length, send the cut body, close the connection."""

    kind: str
    path_prefix: str = "/v1/"
    nth: int = 1
    times: int | None = 1
    status: int = 500
    body: dict[str, Any] | bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    cut_at: float = 0.5
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {KINDS}")
        if self.nth < 1:
            raise ValueError("nth counts from 1")

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def _count(self, path: str) -> bool:
        """Count the request if it matches; True when this fault fires on it."""
        if self.exhausted or not path.startswith(self.path_prefix):
            return False
        self.seen += 1
        return self.seen >= self.nth


class FaultPlan:
    """Thread-safe list of faults; the app asks `match(path)` once per request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def rate_limit(
        self, path_prefix: str = "/v1/", *, nth: int = 1, times: int | None = 1, should_retry: bool = True
    ) -> Fault:
        """429 with Stripe's `rate_limit` body."""
        headers = (("Stripe-Should-Retry", "true" if should_retry else "false"),)
        return self.add(
            Fault("error", path_prefix, nth, times, status=429, body=rate_limit_body(), headers=headers)
        )

    def server_error(
        self,
        status: int = 500,
        path_prefix: str = "/v1/",
        *,
        nth: int = 1,
        times: int | None = 1,
        should_retry: bool | None = None,
        body: dict[str, Any] | bytes | None = None,
    ) -> Fault:
        """5xx with Stripe's `api_error` body (or `body`); `should_retry` sets the header."""
        headers = () if should_retry is None else (("Stripe-Should-Retry", str(should_retry).lower()),)
        payload = api_error_body() if body is None else body
        return self.add(Fault("error", path_prefix, nth, times, status=status, body=payload, headers=headers))

    def slow(
        self, seconds: float, path_prefix: str = "/v1/", *, nth: int = 1, times: int | None = 1
    ) -> Fault:
        return self.add(Fault("slow", path_prefix, nth, times, delay=seconds))

    def truncated_body(
        self, path_prefix: str = "/v1/", *, nth: int = 1, times: int | None = 1, cut_at: float = 0.5
    ) -> Fault:
        return self.add(Fault("truncate", path_prefix, nth, times, cut_at=cut_at))

    def disconnect(
        self, path_prefix: str = "/v1/", *, nth: int = 1, times: int | None = 1, cut_at: float = 0.5
    ) -> Fault:
        return self.add(Fault("disconnect", path_prefix, nth, times, cut_at=cut_at))

    def match(self, path: str) -> Fault | None:
        with self._lock:
            firing = None
            for fault in self._faults:
                fires = fault._count(path)
                if fires and firing is None:
                    firing = fault
            if firing is not None:
                firing.fired += 1
            return firing

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults that can still fire."""
        with self._lock:
            return [fault for fault in self._faults if not fault.exhausted]
