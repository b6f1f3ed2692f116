"""Server time of the dashboard's Margins page on PostgreSQL: 1,000 mapped customers, 6 months.

    DATABASE_URL is ignored: the script uses its own database (default margint_bench_dashboard on
    127.0.0.1), creates it if missing, migrates it, loads the data once (--reload loads it again),
    and times through Django's test client, signed in as a viewer:

    - GET /margins/ (the whole HTML page: summary cards, the first 50 rows, sparklines),
    - GET /margins/?sort=revenue&dir=desc&page=2 with HX-Request (the table fragment htmx swaps),
    - GET /margins/?q=customer 42 with HX-Request (a search),

    each "cold" (every cache cleared before each request, so everything is read and computed)
    and "warm" (the same request again, unchanged data). It prints p50 and p99 in milliseconds
    and the machine line (load average, CPU reference) before and after; run it under
    `flock /tmp/bench.lock` so that two benchmarks never share the cores.

    python scripts/bench_dashboard.py [--db margint_bench_dashboard] [--runs 30] [--reload]

The data is bench_margins.py's, smaller: every customer active on every day of the 6 calendar
months ending with the current UTC month, 5 or 6 cost events a customer-day (1,000,000 in all)
as the rollups they produce, a Stripe customer each, mapped to it, paying a monthly plan
recognized evenly over the days.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_margins  # noqa: E402 - the loader and helpers of the margins API benchmark
from bench_machine import machine_line  # noqa: E402

CUSTOMERS = 1_000
EVENTS = 1_000_000
ORG_PUBLIC_ID = "org_bench8dashboard"
CASES = (
    ("GET /margins/ (page)", "/margins/", False),
    ("GET /margins/?sort=revenue&dir=desc&page=2 (htmx)", "/margins/?sort=revenue&dir=desc&page=2", True),
    ("GET /margins/?q=customer+42 (htmx)", "/margins/?q=customer+42", True),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", default="margint_bench_dashboard", help="PostgreSQL database to create and use"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reload", action="store_true", help="drop the benchmark org and load it again")
    args = parser.parse_args()
    if "bench" not in args.db:
        parser.error("the database name must contain 'bench': the script changes its settings")
    return args


def load(args: argparse.Namespace) -> None:
    from django.db import connection, transaction

    from billing.models import StripeConnection, SyncRun
    from margint.models import Membership, Organization, Role, Tier
    from margint.tests.factories import UserFactory

    existing = Organization.objects.filter(public_id=ORG_PUBLIC_ID).first()
    if existing and not args.reload:
        print(f"reusing the loaded benchmark org {ORG_PUBLIC_ID} (--reload to load it again)")
        return
    if existing:
        existing.delete()
    start, end = bench_margins.window()
    print(f"loading {CUSTOMERS} customers, {start} .. {end}, {EVENTS} events ...")
    started = time.monotonic()
    with transaction.atomic():
        org = Organization.objects.create(public_id=ORG_PUBLIC_ID, name="Bench dashboard", tier=Tier.PRO)
        user = UserFactory(email="viewer@bench-dashboard.margint.dev")
        Membership.objects.create(user=user, organization=org, role=Role.VIEWER)
        StripeConnection.objects.create(
            org=org, encrypted_key="-", key_prefix="rk_test_...", last_synced_at=datetime.now(UTC)
        )
        SyncRun.objects.create(org=org, status=SyncRun.Status.SUCCEEDED, stats={"skippedCurrencies": {}})
        params = {"org": str(org.pk), "n": CUSTOMERS, "events": EVENTS, "start": start, "end": end}
        with connection.cursor() as cursor:
            for statement in bench_margins.LOAD_SQL.split(";\n"):
                if statement.strip():
                    cursor.execute(statement, params)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded in {time.monotonic() - started:.0f} s")


def timed(client, url: str, htmx: bool, runs: int, *, cold: bool) -> tuple[list[float], int, int]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HX-Request": "true"} if htmx else {}
    samples, queries, size = [], 0, 0
    for _ in range(runs):
        if cold:
            cache.clear()  # nothing else is kept between requests
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            size = len(response.content)
            samples.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
        assert response.status_code == 200, (response.status_code, response.content[:300])
    return samples, queries, size


def run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.test import Client

    from margint.models import Membership

    membership = Membership.objects.select_related("user").get(organization__public_id=ORG_PUBLIC_ID)
    client = Client()
    client.force_login(membership.user)
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"\n{args.runs} runs each, Django test client, cache: {backend}, {os.cpu_count()} cores")
    print(machine_line())
    print(f"{'request':52} {'mode':5} {'p50 ms':>8} {'p99 ms':>8} {'min ms':>8} {'queries':>8} {'bytes':>9}")
    for label, url, htmx in CASES:
        for cold in (True, False):
            client.get(url, headers={"HX-Request": "true"} if htmx else {})  # connection, and the cache
            samples, queries, size = timed(client, url, htmx, args.runs, cold=cold)
            print(
                f"{label:52} {'cold' if cold else 'warm':5} {statistics.median(samples):8.1f} "
                f"{bench_margins.percentile(samples, 99):8.1f} {min(samples):8.1f} {queries:8d} {size:9,}"
            )
    print(f"at the end: {machine_line()}")


def main() -> None:
    args = parse_args()
    bench_margins.create_database(args)
    bench_margins.setup_django(args)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        # As the deployment note in docs/api-v1.md recommends: JIT compiles these short aggregates for
        # longer than they run. Applies to the connections opened after this one.
        cursor.execute(f'ALTER DATABASE "{args.db}" SET jit = off')
    connection.close()
    load(args)
    run(args)


if __name__ == "__main__":
    main()
