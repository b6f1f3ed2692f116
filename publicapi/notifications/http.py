"""One POST to a resolved webhook target, connecting to the address that was checked."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from publicapi.notifications.urlguard import Target

TIMEOUT_SECONDS = 10
EXCERPT_CHARS = 500


@dataclass(frozen=True)
class HttpResult:
    status_code: int | None
    duration_ms: int
    excerpt: str
    error: str


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        # The certificate is checked against the host name, the socket goes to the checked address.
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(
    target: Target, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS
) -> HttpResult:
    """POST without following redirects; network failures come back as `error`, never raised."""
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = cls(target, timeout)
    started = time.monotonic()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_CHARS * 4).decode("utf-8", errors="replace")[:EXCERPT_CHARS]
        return HttpResult(response.status, _ms(started), excerpt, "")
    except (OSError, http.client.HTTPException) as exc:
        return HttpResult(None, _ms(started), "", f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
    finally:
        connection.close()


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
