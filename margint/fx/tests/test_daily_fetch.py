"""The optional daily fetch: off without FX_RATES_URL; with it, the ECB zip (or CSV) served on
loopback is imported. No test reaches beyond 127.0.0.1."""

from __future__ import annotations

import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from margint.fx.models import ExchangeRate
from margint.fx.tasks import fx_rates_fetch

SAMPLE = Path(__file__).resolve().parents[1] / "sample" / "eurofxref-hist-sample.csv"


def _zipped(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eurofxref-hist.csv", text)
    return buffer.getvalue()


@pytest.fixture
def served():
    bodies: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = bodies.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield bodies, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_without_a_url_nothing_is_fetched(settings):
    settings.FX_RATES_URL = ""
    assert fx_rates_fetch() == 0
    assert "fx-rates-fetch" not in settings.CELERY_BEAT_SCHEDULE  # off by default


@pytest.mark.django_db
@pytest.mark.parametrize("zipped", [True, False])
def test_the_daily_file_is_fetched_and_imported(settings, served, zipped):
    bodies, base = served
    text = SAMPLE.read_text()
    bodies["/eurofxref.zip"] = _zipped(text) if zipped else text.encode()
    settings.FX_RATES_URL = f"{base}/eurofxref.zip"

    assert fx_rates_fetch() == 48
    assert ExchangeRate.objects.count() == 48
