#!/usr/bin/env python
"""End-to-end ingestion benchmark: Margint under gunicorn on loopback, PostgreSQL behind it.

    python scripts/bench_ingest.py [--events 200000] [--batch 1000] [--clients 3] [--workers 3]
                                   [--keep-data] [--stored 50000000]

1. (Re)creates a dedicated database (default margint_bench), migrates it, creates an org and a key.
   --keep-data keeps the database and what it holds (only migrates it; creates it when missing);
   --stored N makes sure at least N events of another organization are stored (generated in SQL,
   over the last 12 months, with their idempotency keys and rollups), and the output says how
   many were present.
2. Starts gunicorn on 127.0.0.1 with persistent database connections, with the Procfile's worker
   settings (sync workers, WEB_CONCURRENCY or 3 of them).
3. From this process (a separate one), sends the events in batches over several concurrent
   connections with http.client, and prints events/s end to end and p50/p99 batch latency.
4. COPYs the same rows with psycopg into a scratch table, for the floor of what the database can take.
5. Replays every batch and checks that nothing was added, then runs check_rollups.

Events are deterministic (seeded) and shaped like one SaaS product's traffic: 2,000 customers with
a skewed (Zipf-like) share of it, 4 features, each served by one to three models (7 models of
3 providers, plus an in-house model genai-prices cannot price), half priced from tokens by
Margint and half sent with costMicrodollars, occurredAt spread over the last 6 hours, a unique
idempotency key each.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
# feature: (share of traffic, [(provider, model, share within the feature)])
FEATURES = {
    "chat": (40, [("anthropic", "claude-sonnet-4-5", 7), ("openai", "gpt-4o", 3)]),
    "search": (30, [("openai", "gpt-4o-mini", 1)]),
    "summarize": (20, [("google", "gemini-2.5-flash", 6), ("anthropic", "claude-3-5-haiku", 4)]),
    "agent": (
        10,
        [("openai", "gpt-4.1-nano", 5), ("google", "gemini-2.5-pro", 4), ("acme", "in-house-llm-v2", 1)],
    ),  # the in-house model is unknown to genai-prices: stored unpriced
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--clients", type=int, default=3, help="concurrent client connections")
    p.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", 3)),
        help="gunicorn sync workers; default as in the Procfile: WEB_CONCURRENCY, else 3",
    )
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    p.add_argument("--database", default="margint_bench")
    p.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--keep-data", action="store_true", help="reuse the database instead of recreating it")
    p.add_argument("--stored", type=int, default=0, help="events of another org to have stored first")
    return p.parse_args()


# Setup --------------------------------------------------------------------------------------------


def database_exists(pg: str, name: str) -> bool:
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def recreate_database(pg: str, name: str) -> None:
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (this interpreter and manage.py, fixed arguments)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


SETUP = """
import json
from margint.models import Organization, Tier
from publicapi.keys import api_key_create
org = Organization.objects.create(name="Bench", tier=Tier.PRO, ingest_rate_limit=1_000_000)
print(json.dumps({"org": org.public_id, "key": api_key_create(org=org, name="bench").secret}))
"""


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 (this interpreter's gunicorn, fixed arguments)
        [
            sys.executable, "-m", "gunicorn", "margint.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning",
        ],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(server)
    sys.exit("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


# Events ---------------------------------------------------------------------------------------------


def make_events(count: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    customers = [f"cus_{i:05d}" for i in range(2000)]
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(customers))]
    picks = rnd.choices(customers, weights, k=count)
    features = rnd.choices(list(FEATURES), [share for share, _ in FEATURES.values()], k=count)
    now = datetime.now(UTC)
    events = []
    for i in range(count):
        models = FEATURES[features[i]][1]
        provider, model, _ = rnd.choices(models, [share for *_, share in models])[0]
        input_tokens = rnd.randint(200, 12_000)
        event = {
            "customer": picks[i],
            "feature": features[i],
            "provider": provider,
            "model": model,
            "inputTokens": input_tokens,
            "outputTokens": rnd.randint(20, 1500),
            "cachedInputTokens": rnd.randint(0, input_tokens) if i % 3 == 0 else 0,
            "occurredAt": (now - timedelta(seconds=rnd.uniform(0, 6 * 3600))).isoformat(),
            "idempotencyKey": f"evt_{seed}_{i:08d}",
            "tags": {"env": "prod", "region": ("eu", "us")[i % 2]},
        }
        if i % 2:
            event["costMicrodollars"] = rnd.randint(50, 40_000)
        events.append(event)
    return events


# Sending --------------------------------------------------------------------------------------------


def send_all(port: int, key: str, bodies: list[bytes], clients: int) -> tuple[float, list[float], list[dict]]:
    local = threading.local()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def send(body: bytes) -> tuple[float, dict]:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        local.conn.request("POST", "/api/v1/events", body=body, headers=headers)
        response = local.conn.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 202:
            raise RuntimeError(f"HTTP {response.status}: {payload[:300]!r}")
        if response.will_close:
            local.conn.close()
        return elapsed, json.loads(payload)["data"]

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(send, bodies))
    wall = time.perf_counter() - started
    return wall, [r[0] for r in results], [r[1] for r in results]


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (Linux /proc), to show where CPU goes whatever else runs."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(server: subprocess.Popen, db_url: str) -> tuple[list[int], list[int]]:
    """The gunicorn workers, and the PostgreSQL backends serving the benchmark database."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    with psycopg.connect(db_url) as conn:
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(p) for p in children], [pid for (pid,) in backends]


def warm_up(port: int, key: str, workers: int) -> None:
    """A few reads, so every worker has its database connection before CPU is counted."""

    def read(_: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/api/v1/events/unpriced", headers={"Authorization": f"Bearer {key}"})
        conn.getresponse().read()
        conn.close()

    with ThreadPoolExecutor(workers * 2) as pool:
        list(pool.map(read, range(workers * 8)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# Raw COPY floor -------------------------------------------------------------------------------------

COPY_COLUMNS = (
    "customer", "feature", "provider", "model", "input_tokens", "output_tokens", "cached_input_tokens",
    "cost_micro", "occurred_at", "idempotency_key", "tags",
)  # fmt: skip


def raw_copy_rate(db_url: str, events: list[dict], batch: int) -> float:
    rows = [
        (
            e["customer"], e["feature"], e["provider"], e["model"], e["inputTokens"], e["outputTokens"],
            e["cachedInputTokens"], e.get("costMicrodollars", 0), e["occurredAt"], e["idempotencyKey"],
            json.dumps(e["tags"]),
        )
        for e in events
    ]  # fmt: skip
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "CREATE TABLE bench_copy_scratch (customer text, feature text, provider text, model text,"
            " input_tokens bigint, output_tokens bigint, cached_input_tokens bigint, cost_micro bigint,"
            " occurred_at timestamptz, idempotency_key text, tags jsonb)"
        )
        conn.commit()
        started = time.perf_counter()
        for i in range(0, len(rows), batch):
            copy_sql = f"COPY bench_copy_scratch ({', '.join(COPY_COLUMNS)}) FROM STDIN"
            with conn.cursor() as cur, cur.copy(copy_sql) as cp:
                for row in rows[i : i + batch]:
                    cp.write_row(row)
            conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_copy_scratch")
        conn.commit()
    return len(rows) / elapsed


def totals(db_url: str, org_public_id: str) -> tuple:
    """The benchmark org's events and sums. Its events are all from the last 6 hours: the time
    bound lets the BRIN index skip the stored history instead of reading it."""
    with psycopg.connect(db_url) as conn:
        org = conn.execute(
            "SELECT id FROM margint_organization WHERE public_id = %s", [org_public_id]
        ).fetchone()[0]
        events = conn.execute(
            "SELECT count(*), coalesce(sum(cost_micro), 0) FROM margins_costevent"
            " WHERE org_id = %s AND occurred_at >= now() - interval '7 hours'",
            [org],
        ).fetchone()
        rollups = conn.execute(
            "SELECT coalesce(sum(request_count), 0), coalesce(sum(cost_micro), 0) FROM margins_dailyrollup"
            " WHERE org_id = %s",
            [org],
        ).fetchone()
        daily = conn.execute(
            "SELECT coalesce(sum(cost_micro), 0) FROM margins_customerdailycost WHERE org_id = %s", [org]
        ).fetchone()
        return (*events, *rollups, *daily)


# Stored history -------------------------------------------------------------------------------------

HISTORY_SETUP = """
from django.utils import timezone
from margint.models import Organization, Tier
from margins.models import Customer
org, _ = Organization.objects.get_or_create(name="Stored history", defaults={"tier": Tier.PRO})
now = timezone.now()
Customer.objects.bulk_create([Customer(org=org, external_id=f"hist_{i:05d}", first_seen_at=now,
    last_seen_at=now) for i in range(2000)], ignore_conflicts=True)
print(org.pk)
"""
MODELS = [(f, p, m) for f, (_, models) in FEATURES.items() for p, m, _ in models if p != "acme"]
HISTORY_CHUNK = """
INSERT INTO margins_costevent (org_id, customer_id, feature, provider, model, input_tokens, output_tokens,
    cached_input_tokens, cost_micro, priced, occurred_at, idempotency_key, tags, created_at)
SELECT %(org)s, c.ids[1 + (g * 7) %% 2000], (%(f)s::text[])[1 + g %% %(n)s], (%(p)s::text[])[1 + g %% %(n)s],
    (%(m)s::text[])[1 + g %% %(n)s], 200 + (g * 7919) %% 12000, 20 + (g * 104729) %% 1500, 0,
    50 + (g * 31) %% 40000, true,
    date_trunc('day', now()) - interval '365 days' + (g::float8 / %(total)s) * interval '364 days',
    'hist_' || lpad(g::text, 10, '0'), '{"env": "prod"}'::jsonb, now()
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g,
    (SELECT array_agg(id ORDER BY external_id) AS ids FROM margins_customer WHERE org_id = %(org)s) c
"""


def stored_history(env: dict, db_url: str, wanted: int) -> int:
    """Events of other organizations present; adds a history org's events up to `wanted` (COPY-speed
    SQL, 5 million a transaction, then its keys and rollups, as ingestion would have left them)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        present = conn.execute("SELECT count(*) FROM margins_costevent").fetchone()[0]
        if present >= wanted:
            return present
        org = manage(env, "shell", "-c", HISTORY_SETUP).strip().splitlines()[-1]
        first = conn.execute("SELECT count(*) FROM margins_costevent WHERE org_id = %s", [org]).fetchone()[0]
        total = first + wanted - present
        names = {
            "f": [f for f, _, _ in MODELS],
            "p": [p for _, p, _ in MODELS],
            "m": [m for _, _, m in MODELS],
        }
        for lo in range(first + 1, total + 1, 5_000_000):
            hi = min(lo + 4_999_999, total)
            print(f"  storing history events {lo:,} to {hi:,} ...", flush=True)
            conn.execute(
                HISTORY_CHUNK, {"org": org, "lo": lo, "hi": hi, "total": total, "n": len(MODELS), **names}
            )
            conn.execute(
                "INSERT INTO margins_eventidempotencykey (org_id, idempotency_key, occurred_at)"
                " SELECT org_id, idempotency_key, occurred_at FROM margins_costevent WHERE org_id = %s"
                " AND idempotency_key BETWEEN %s AND %s",
                [org, f"hist_{lo:010d}", f"hist_{hi:010d}"],
            )
        print("  rebuilding the history org's rollups ...", flush=True)
        manage(env, "rebuild_rollups", "--org", conn.execute(
            "SELECT public_id FROM margint_organization WHERE id = %s", [org]).fetchone()[0])  # fmt: skip
        conn.execute("VACUUM ANALYZE margins_costevent")
        conn.execute("VACUUM ANALYZE margins_eventidempotencykey")
        return conn.execute("SELECT count(*) FROM margins_costevent").fetchone()[0]


# Main -----------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    db_url = f"{args.pg}/{args.database}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{db_url}?conn_max_age=600",
        "REDIS_URL": args.redis_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "LOG_LEVEL": "WARNING",
    }
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if not args.keep_data or not database_exists(args.pg, args.database):
        recreate_database(args.pg, args.database)
    manage(env, "migrate", "--noinput")
    present = stored_history(env, db_url, args.stored)
    print(f"events already stored in the database: {present:,}")
    setup = json.loads(manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])

    events = make_events(args.events, args.seed)
    batches = [events[i : i + args.batch] for i in range(0, len(events), args.batch)]
    bodies = [json.dumps({"events": b}).encode() for b in batches]
    print(f"{len(events):,} events in {len(bodies)} batches of {args.batch} "
          f"({sum(map(len, bodies)) / len(bodies) / 1024:.0f} KiB a body)")  # fmt: skip

    server = start_server(env, args.port, args.workers)
    try:
        warm_up(args.port, setup["key"], args.workers)
        workers, backends = server_pids(server, db_url)
        cpu_before = cpu_seconds(workers), cpu_seconds(backends)
        wall, latencies, results = send_all(args.port, setup["key"], bodies, args.clients)
        cpu_app = cpu_seconds(workers) - cpu_before[0]
        cpu_db = cpu_seconds(backends) - cpu_before[1]
        accepted = sum(r["accepted"] for r in results)
        unpriced = sum(r["unpriced"] for r in results)
        rejected = sum(len(r["rejected"]) for r in results)
        rate = len(events) / wall
        print(f"\ningest: {len(events):,} events in {wall:.2f} s = {rate:,.0f} events/s end to end "
              f"({args.workers} gunicorn workers, {args.clients} client connections)")  # fmt: skip
        p50, p99, mean = (
            1000 * x
            for x in (percentile(latencies, 0.5), percentile(latencies, 0.99), statistics.mean(latencies))
        )
        print(f"  batch latency p50 {p50:.0f} ms, p99 {p99:.0f} ms, mean {mean:.0f} ms")
        print(f"  accepted {accepted:,}, unpriced {unpriced:,}, rejected {rejected}")
        per_k = 1000 / len(events) * 1000
        print(f"  CPU per 1,000 events: Margint {cpu_app * per_k:.0f} ms, PostgreSQL backends "
              f"{cpu_db * per_k:.0f} ms (load average now {os.getloadavg()[0]:.2f})")  # fmt: skip
        if accepted != len(events) or rejected:
            sys.exit("not every event was accepted")
        before = totals(db_url, setup["org"])

        copy_rate = raw_copy_rate(db_url, events, args.batch)
        print(f"\nraw COPY of the same rows into a scratch table: {copy_rate:,.0f} rows/s; "
              f"end to end is {rate / copy_rate:.2f}x of it")  # fmt: skip

        replay_wall, _, replayed = send_all(args.port, setup["key"], bodies, args.clients)
        after = totals(db_url, setup["org"])
        duplicates = sum(r["duplicates"] for r in replayed)
        added = sum(r["accepted"] for r in replayed)
        print(f"\nreplay: {duplicates:,} duplicates, {added} added in {replay_wall:.2f} s "
              f"({len(events) / replay_wall:,.0f} events/s)")  # fmt: skip
        if added or duplicates != len(events) or before != after:
            sys.exit(f"the replay changed something: {before} -> {after}")
        print(f"  events {after[0]:,}, cost {after[1]:,} µUSD; rollups and daily totals unchanged")
    finally:
        stop_server(server)
    print("\n" + manage(env, "check_rollups", "--org", setup["org"]).strip())
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
