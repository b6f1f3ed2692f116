"""Run the app on a background thread: `serve(dataset)` from a pytest fixture or a script."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import DEFAULT_API_KEY, DEFAULT_EMBEDDED_LINES, RecordedRequest, StripeDoubleApp
from .dataset import StripeDataset
from .faults import FaultPlan


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    # A request stuck in a `slow` fault must not keep stop() waiting.
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall for
        # seconds on machines without DNS; the double only needs the bound address.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
        self.setup_environ()


class QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Requests are in `app.requests`; keep test output clean."""


@dataclass
class RunningServer:
    app: StripeDoubleApp
    host: str
    port: int
    _httpd: ThreadingWSGIServer
    _thread: threading.Thread

    @property
    def url(self) -> str:
        """Base address for the stripe library (`base_addresses={"api": url}`)."""
        return f"http://{self.host}:{self.port}"

    @property
    def dataset(self) -> StripeDataset:
        return self.app.dataset

    @property
    def faults(self) -> FaultPlan:
        return self.app.faults

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.app.requests

    def stop(self) -> None:
        self.app.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(
    dataset: StripeDataset,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    api_keys: Iterable[str] = (DEFAULT_API_KEY,),
    embedded_lines: int = DEFAULT_EMBEDDED_LINES,
    accounts: Mapping[str, str] | None = None,
) -> RunningServer:
    """Start serving `dataset` on a daemon thread; port 0 picks a free port.

    `accounts`: the Stripe account id of some keys (see StripeDoubleApp)."""
    app = StripeDoubleApp(dataset, api_keys=api_keys, embedded_lines=embedded_lines, accounts=accounts)
    httpd = make_server(host, port, app, server_class=ThreadingWSGIServer, handler_class=QuietRequestHandler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="stripe-double", daemon=True
    )
    thread.start()
    return RunningServer(app, host, httpd.server_port, httpd, thread)
