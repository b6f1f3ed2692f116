#!/usr/bin/env python
"""Mixed load against gunicorn and a Celery worker on loopback, with locust, for a bounded time.

    pip install -r requirements-load.txt
    flock /tmp/bench.lock .venv/bin/python scripts/load_test.py [--minutes 10] [--users 12]

1. (Re)creates a database whose name contains "bench" (default margint_bench_load), migrates it,
   and creates a Pro organization with an API key, an admin with a logged-in session and budgets.
2. Starts gunicorn (--workers, sync workers, PROMETHEUS_MULTIPROC_DIR) and a Celery worker
   (--celery-concurrency), both on this machine, the worker on its own Redis database.
3. Runs scripts/locustfile.py headless against http://127.0.0.1:<port> for --minutes: ingestion
   70 %, budget checks 20 %, dashboard pages and v1 reads 10 %.
4. Prints throughput, p50/p99 and errors per endpoint, the count of 5xx answers, the resident
   memory of the gunicorn and Celery worker processes at start and end, the Celery queue depth at
   the end (from /metrics), and the load average.
Everything it starts is stopped at the end; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
import redis
from bench_ingest import manage  # scripts/ is on the path of a script run from it

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import json
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from margins.costs.services import events_ingest
from margint.models import Tier
from margint.services import organization_create
from publicapi.budgets.services import budget_create
from publicapi.keys import api_key_create
org = organization_create(name="Load", tier=Tier.PRO, admin_email="load@margint.test", admin_password=None)
org.ingest_rate_limit = org.read_rate_limit = 1_000_000
org.save()
budget_create(org=org, scope="workspace", monthly_limit_micro=10**10, action="block")
budget_create(org=org, scope="feature", feature="chat", monthly_limit_micro=10**9, action="warn")
# A month's spend to start from, as a running account has (budget checks project from it).
events_ingest(org=org, events=[{"customer": f"cus_{i % 500:04d}", "feature": "chat", "model": "gpt-4o",
    "costMicrodollars": 30_000} for i in range(1000)])
user = get_user_model().objects.get(email="load@margint.test")
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print(json.dumps({"key": api_key_create(org=org, name="load").secret, "session": session.session_key}))
"""


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--users", type=int, default=12, help="concurrent locust users")
    p.add_argument("--batch", type=int, default=100, help="events per ingestion request")
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
    p.add_argument("--celery-concurrency", type=int, default=1)
    p.add_argument("--port", type=int, default=8117)
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--database", default="margint_bench_load")
    p.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    return p.parse_args()


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def wait_ready(port: int) -> None:
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start")


def metric(port: int, token: str, name: str) -> str:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        lines = response.read().decode().splitlines()
    return ", ".join(line for line in lines if line.startswith(name)) or "(none)"


def report(prefix: str, minutes: float) -> int:
    """Per-endpoint figures from locust's CSV; returns the number of 5xx answers."""
    print("\n| endpoint | requests | req/s | p50 ms | p99 ms | failures |\n|---|---|---|---|---|---|")
    with open(f"{prefix}_stats.csv") as stats:
        for row in csv.DictReader(stats):
            print(f"| {row['Name']} | {row['Request Count']} | {float(row['Requests/s']):.1f} | "
                  f"{row['50%']} | {row['99%']} | {row['Failure Count']} |")  # fmt: skip
    server_errors = 0
    with open(f"{prefix}_failures.csv") as failures:
        for row in csv.DictReader(failures):
            print(f"  failure: {row['Method']} {row['Name']}: {row['Error']} x{row['Occurrences']}")
            if (
                " 5" in row["Error"]
                or "500" in row["Error"]
                or "502" in row["Error"]
                or "503" in row["Error"]
            ):
                server_errors += int(row["Occurrences"])
    return server_errors


def main() -> None:
    args = parse_args()
    if "bench" not in args.database:
        sys.exit("the database name must contain 'bench'")
    db_url = f"{args.pg}/{args.database}"
    metrics_dir = tempfile.mkdtemp(prefix="margint-load-metrics-")
    token = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "DATABASE_URL": f"{db_url}?conn_max_age=600",
        "REDIS_URL": args.redis_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "LOG_LEVEL": "WARNING",
        "METRICS_TOKEN": token,
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
        "BEAT_MAX_AGE_SECONDS": "0",
    }
    print(f"load average before: {loadavg()} on {os.cpu_count()} cores")
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    manage(env, "migrate", "--noinput")
    setup = json.loads(manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    redis.Redis.from_url(args.redis_url).flushdb()  # the benchmark's own Redis database

    gunicorn = subprocess.Popen(  # noqa: S603 (this interpreter's gunicorn, fixed arguments)
        [sys.executable, "-m", "gunicorn", "margint.wsgi", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    celery = subprocess.Popen(  # noqa: S603 (this interpreter's celery, fixed arguments)
        [sys.executable, "-m", "celery", "-A", "margint", "worker", "--loglevel", "WARNING",
         "--concurrency", str(args.celery_concurrency), "--without-gossip", "--without-mingle"],
        cwd=ROOT, env={**env, "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp()}, start_new_session=True,
    )  # fmt: skip
    prefix = os.path.join(tempfile.mkdtemp(prefix="margint-load-"), "locust")
    try:
        wait_ready(args.port)
        time.sleep(5)  # the Celery worker's children start
        web_pids, celery_pids = children(gunicorn.pid), [celery.pid, *children(celery.pid)]
        web_start, celery_start = rss_mb(web_pids), rss_mb(celery_pids)
        locust = [
            str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "scripts" / "locustfile.py"),
            "--headless", "--users", str(args.users), "--spawn-rate", str(args.users),
            "--run-time", f"{int(args.minutes * 60)}s", "--host", f"http://127.0.0.1:{args.port}",
            "--csv", prefix, "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
        ]  # fmt: skip
        load_env = {
            **env,
            "LOAD_API_KEY": setup["key"],
            "LOAD_SESSION": setup["session"],
            "LOAD_BATCH": str(args.batch),
        }
        started = time.perf_counter()
        subprocess.run(locust, cwd=ROOT, env=load_env, timeout=args.minutes * 60 + 120, check=False)  # noqa: S603
        wall = time.perf_counter() - started
        web_end, celery_end = rss_mb(children(gunicorn.pid)), rss_mb([celery.pid, *children(celery.pid)])
        print(f"\nran {wall:.0f} s with {args.users} users, {args.workers} gunicorn workers, "
              f"{args.celery_concurrency} Celery process(es), batches of {args.batch} events")  # fmt: skip
        server_errors = report(prefix, args.minutes)
        print(f"\n5xx answers: {server_errors}")
        print(f"gunicorn workers RSS: {web_start:.0f} MB at start, {web_end:.0f} MB at end")
        print(f"Celery worker RSS: {celery_start:.0f} MB at start, {celery_end:.0f} MB at end")
        print("events accepted:", metric(args.port, token, "margint_cost_events_total"))
        print("Celery queue depth at end:", metric(args.port, token, "margint_celery_queue_depth"))
    finally:
        for process in (gunicorn, celery):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (gunicorn, celery):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    print(f"load average after: {loadavg()}")


if __name__ == "__main__":
    main()
