"""Metrics across real processes: gunicorn's workers and a prefork Celery worker each write their
samples to PROMETHEUS_MULTIPROC_DIR, and one scrape adds them all up (docs/operations.md).

These start the real servers as the Procfile does, on loopback ports of their own.
"""

from __future__ import annotations

import gzip
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from margint.celery import app
from margint.tasks import ping

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "process-metrics-token"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read().decode()


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode()
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {seconds} s")


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            head, value = line.rsplit(" ", 1)
            if all(f'{key}="{wanted}"' in head for key, wanted in labels.items()):
                return float(value)
    return 0.0


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return  # it ended by itself: the test says why
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    # Without DJANGO_SETTINGS_MODULE, as the Procfile starts them: the entry points set it.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(PROMETHEUS_MULTIPROC_DIR=str(tmp_path), METRICS_TOKEN=TOKEN)
    env.update(LOG_LEVEL="WARNING", **extra)
    return env


def test_one_scrape_counts_the_requests_of_every_gunicorn_worker(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "margint.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=_environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/healthz", server)
        before = _sample(
            _get(f"{base}/metrics", TOKEN)[1], "margint_request_duration_seconds_count", view="healthz"
        )
        sent = 0
        # New connections are spread over the workers by the kernel: go on until both have answered.
        while sent < 400 and len({path.name.split("_")[-1] for path in tmp_path.glob("histogram_*.db")}) < 2:
            assert _get(f"{base}/healthz")[0] == 200
            sent += 1
        assert len(list(tmp_path.glob("histogram_*.db"))) == 2, "one worker answered every request"
        status, text = _get(f"{base}/metrics", TOKEN)
    finally:
        _stop(server)
    assert status == 200
    counted = _sample(text, "margint_request_duration_seconds_count", view="healthz", status="2xx")
    assert counted - before == sent


@pytest.mark.redis
def test_a_prefork_worker_serves_the_tasks_its_children_ran(requires_redis, transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can share with the test: PostgreSQL")
    port, queue = _free_port(), f"metrics-{os.getpid()}"
    database = connection.settings_dict
    database_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "margint",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--queues",
            queue,
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=_environment(tmp_path, CELERY_METRICS_PORT=str(port), DATABASE_URL=database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/metrics", worker, seconds=60)
        results = [ping.apply_async(queue=queue) for _ in range(4)]
        assert [result.get(timeout=30) for result in results] == ["pong"] * 4
        time.sleep(0.5)  # the post-run signal is counted just after the result is stored
        _, text = _get(f"http://127.0.0.1:{port}/metrics")
    finally:
        app.conf.task_always_eager = eager
        _stop(worker)
    assert _sample(text, "margint_celery_tasks_total", task="margint.tasks.ping", state="success") == 4


_RAISING_PROCESS = """
import os, sentry_sdk, django
os.environ['DJANGO_SETTINGS_MODULE'] = 'margint.settings'
django.setup()
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
from django.urls import path

def boom(request):
    raise RuntimeError('sentry-check-4711')

urlpatterns = [path('boom', boom)]
setup_test_environment()
with override_settings(ROOT_URLCONF='__main__'):
    print(Client(raise_request_exception=False).get('/boom').status_code)
sentry_sdk.flush(timeout=10)
"""


def _decoded(body: bytes, encoding: str | None) -> bytes:
    """sentry-sdk compresses with brotli when that package is installed, with gzip otherwise."""
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    return gzip.decompress(body) if encoding == "gzip" else body


def test_an_unhandled_error_reaches_the_sentry_dsn(tmp_path):
    received: list[bytes] = []

    class Ingest(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the name http.server calls)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(_decoded(body, self.headers.get("Content-Encoding")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/42"
    try:
        result = subprocess.run(
            [sys.executable, "-c", _RAISING_PROCESS],
            cwd=ROOT,
            env={**os.environ, "SENTRY_DSN": dsn, "SENTRY_ENVIRONMENT": "ci-check", "LOG_LEVEL": "CRITICAL"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.shutdown()
    assert result.returncode == 0 and result.stdout.strip() == "500", result.stderr
    envelope = b"".join(received).decode()
    assert "sentry-check-4711" in envelope and '"RuntimeError"' in envelope
    assert '"environment":"ci-check"' in envelope.replace(" ", "")
