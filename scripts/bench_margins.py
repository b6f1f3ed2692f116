"""Benchmark of the margins API on PostgreSQL: 10,000 mapped customers, 6 months, 10 million events.

    DATABASE_URL is ignored: the script uses its own database (default margint_bench_c on
    127.0.0.1), creates it if missing, migrates it, loads the data once, and then times
    GET /api/margins (JSON and CSV) and GET /api/margins/<customer> through Django's test client.

    python scripts/bench_margins.py [--db margint_bench_c] [--runs 20] [--reload]

What 10 million cost events leave behind, generated directly in SQL (ingestion is not timed
here): every one of the 10,000 customers is active on every day of the 6 calendar months ending
with the current UTC month (about 1.8 million customer-days), with 5 or 6 events a day
(10,000,000 / customer-days, the remainder spread evenly), split over three (feature, model,
provider) combinations: about 5.5 million DailyRollup rows and 1.8 million CustomerDailyCost
rows. Each customer has one Stripe customer, mapped to it, paying a monthly plan recognized
evenly over the days: 1.8 million RevenueDaily rows. The monthly totals follow through their
triggers, as they would during ingestion and sync.

Every request is computed: the script clears the cache (Redis when REDIS_URL is set) before each
one, and nothing else is kept between requests (margins/selectors/month_amounts.py reads the
monthly totals, margins/calculations/rows.py computes the rows). The first request of the process
is timed apart ("first"). The garbage collector is set as Django's start sets it in every Margint
process (margint/apps.py); --default-gc times with the interpreter's defaults. The bars come first
in the output, with the load average.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench_machine import machine_line

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CUSTOMERS = 10_000
MONTHS = 6
EVENTS = 10_000_000
ORG_PUBLIC_ID = "org_bench6margins"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="margint_bench_c", help="PostgreSQL database to create and use")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reload", action="store_true", help="drop the benchmark org and load it again")
    parser.add_argument(
        "--default-gc", action="store_true", help="the interpreter's collector, not margint/apps.py's"
    )
    return parser.parse_args()


def setup_django(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = f"postgres://{args.user}@{args.host}:5432/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "margint.settings")
    # Production-like: no SQL logging in connection.queries.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    import django

    django.setup()


def create_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(host=args.host, user=args.user, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.db}"')
            print(f"created database {args.db}")


def window() -> tuple[date, date]:
    """The first day of the month 5 months before the current one, and the first day after it."""
    from margins.selectors import month_of

    current = month_of(datetime.now(UTC))
    return current.shifted(1 - MONTHS).first_day, current.next().first_day


LOAD_SQL = """
INSERT INTO margins_customer (id, org_id, external_id, name, email, first_seen_at, last_seen_at)
SELECT md5(%(org)s || '-c' || i)::uuid, %(org)s, 'cust-' || lpad(i::text, 5, '0'), 'Customer ' || i, '',
       %(start)s, %(end)s
  FROM generate_series(1, %(n)s) i;

INSERT INTO billing_stripecustomer
       (org_id, stripe_id, name, email, metadata, deleted, created, updated_at, fingerprint)
SELECT %(org)s, 'cus_bench' || lpad(i::text, 5, '0'), 'Customer ' || i || ' Inc', '', '{}', false,
       %(start)s, now(), ''
  FROM generate_series(1, %(n)s) i;

INSERT INTO mappings_customermapping
       (id, org_id, stripe_customer_id, tag_key, tag_value, match_type, status, created_at, updated_at)
SELECT md5(%(org)s || '-m' || i)::uuid, %(org)s, 'cus_bench' || lpad(i::text, 5, '0'), 'customer',
       'cust-' || lpad(i::text, 5, '0'), 'manual', 'confirmed', now(), now()
  FROM generate_series(1, %(n)s) i;

-- Events per customer-day: 5 or 6, exactly %(events)s in all. g * 7919 mod N is a permutation of
-- 0..N-1 (7919 is a prime that does not divide N), so exactly `extra` customer-days get a 6th.
CREATE TEMP TABLE bench_days AS
SELECT i, d, day,
       base + CASE WHEN ((i - 1) * ndays + d)::bigint * 7919 %% total < extra THEN 1 ELSE 0 END AS events
  FROM (SELECT %(n)s::bigint * ndays AS total, %(events)s / (%(n)s::bigint * ndays) AS base,
               %(events)s %% (%(n)s::bigint * ndays) AS extra, ndays
          FROM (SELECT (%(end)s::date - %(start)s::date) AS ndays) k) p,
       generate_series(1, %(n)s) i,
       LATERAL (SELECT d, %(start)s::date + d AS day FROM generate_series(0, p.ndays - 1) d) dd;

INSERT INTO margins_dailyrollup (org_id, customer_id, day, feature, model, provider, cost_micro,
       request_count, unpriced_count, input_tokens, output_tokens, cached_input_tokens)
SELECT %(org)s, md5(%(org)s || '-c' || b.i)::uuid, b.day, f.feature, f.model, f.provider,
       f.per_request * f.requests, f.requests, 0, 900 * f.requests, 300 * f.requests, 0
  FROM bench_days b,
       -- Cost per request scaled to the customer's plan so margins spread over every tier.
       LATERAL (SELECT ((b.i * 13) %% 150) * (30 + (b.i * 7) %% 271) * 60 AS base) k,
       LATERAL (VALUES
         ('chat', 'gpt-4o', 'openai', (b.events + 1) / 2, k.base),
         ('search', 'gpt-4o-mini', 'openai', b.events / 3, k.base / 4),
         ('summarize', 'claude-3-5-sonnet', 'anthropic', b.events - (b.events + 1) / 2 - b.events / 3,
          k.base * 2)
       ) AS f(feature, model, provider, requests, per_request)
 WHERE f.requests > 0;

INSERT INTO margins_customerdailycost (org_id, customer_id, day, cost_micro, request_count)
SELECT org_id, customer_id, day, sum(cost_micro), sum(request_count)
  FROM margins_dailyrollup WHERE org_id = %(org)s GROUP BY 1, 2, 3;

-- A monthly plan of $30 to $300, recognized evenly over the days of each month.
INSERT INTO billing_revenuedaily (org_id, stripe_customer_id, day, amount_micro)
SELECT %(org)s, s.id, b.day,
       (30 + (b.i * 7) %% 271) * 1000000 / extract(day from (date_trunc('month', b.day::timestamp)
                                                   + interval '1 month' - interval '1 day'))::int
  FROM bench_days b
  JOIN billing_stripecustomer s
    ON s.org_id = %(org)s AND s.stripe_id = 'cus_bench' || lpad(b.i::text, 5, '0');
"""


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
        print("deleting the previous benchmark org ...")
        existing.delete()
    start, end = window()
    print(f"loading {CUSTOMERS} customers, {start} .. {end}, {EVENTS} events ...")
    started = time.monotonic()
    with transaction.atomic():
        org = Organization.objects.create(public_id=ORG_PUBLIC_ID, name="Bench margins", tier=Tier.PRO)
        user = UserFactory(email="viewer@bench.margint.dev")
        Membership.objects.create(user=user, organization=org, role=Role.VIEWER)
        StripeConnection.objects.create(
            org=org, encrypted_key="-", key_prefix="rk_test_...", last_synced_at=datetime.now(UTC)
        )
        stats = {"skippedCurrencies": {"eur": 3}}
        SyncRun.objects.create(org=org, status=SyncRun.Status.SUCCEEDED, stats=stats)
        params = {"org": str(org.pk), "n": CUSTOMERS, "events": EVENTS, "start": start, "end": end}
        with connection.cursor() as cursor:
            for statement in LOAD_SQL.split(";\n"):
                if statement.strip():
                    cursor.execute(statement, params)
    with connection.cursor() as cursor:
        for table in ("margins_dailyrollup", "margins_customerdailycost", "billing_revenuedaily"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded in {time.monotonic() - started:.0f} s")


def describe() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for label, sql in (
            ("cost events represented", "SELECT sum(request_count) FROM margins_customerdailycost"),
            ("DailyRollup rows", "SELECT count(*) FROM margins_dailyrollup"),
            ("CustomerDailyCost rows", "SELECT count(*) FROM margins_customerdailycost"),
            ("RevenueDaily rows", "SELECT count(*) FROM billing_revenuedaily"),
            ("CustomerMonthlyCost rows", "SELECT count(*) FROM margins_customermonthlycost"),
            ("CustomerMonthlyRevenue rows", "SELECT count(*) FROM margins_customermonthlyrevenue"),
            ("mapped customers", "SELECT count(*) FROM mappings_customermapping"),
        ):
            cursor.execute(sql)
            print(f"  {label:30} {cursor.fetchone()[0]:>12,}")


BARS = (  # (label, url, p50 bar ms, p99 bar ms or None)
    ("GET /api/margins (JSON)", "/api/margins", 250, 400),
    ("GET /api/margins?format=csv", "/api/margins?format=csv", 250, 400),
    ("GET /margins/ (page, 50 rows)", "/margins/", 150, None),
)
OTHERS = (("GET /api/margins/cust-04242", "/api/margins/cust-04242"),)


def timed(client, url: str, runs: int) -> tuple[list[float], object, int]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples, response, queries = [], None, 0
    for _ in range(runs):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            body = response.content
            samples.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
        assert response.status_code == 200, (response.status_code, body[:300])
    return samples, response, queries


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.test import Client

    from margint.models import Membership

    # Django's start set the collector as in every Margint process (margint/apps.py); --default-gc
    # puts the interpreter's defaults back, to time the difference.
    if args.default_gc:
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)

    membership = Membership.objects.select_related("user").get(organization__public_id=ORG_PUBLIC_ID)
    client = Client()
    client.force_login(membership.user)
    started = time.perf_counter()
    first = client.get("/api/margins")
    first_ms = (time.perf_counter() - started) * 1000
    assert first.status_code == 200
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    results = []
    for label, url, *bars in (*BARS, *((label, url, None, None) for label, url in OTHERS)):
        client.get(url)  # the connection warm; the computation is not kept
        samples, response, queries = timed(client, url, args.runs)
        results.append((label, bars, samples, queries, len(response.content)))
    collector = "interpreter defaults" if args.default_gc else "as margint/apps.py"
    print(f"\nBars ({args.runs} runs each, every cache cleared before each request, cache: {cache_backend})")
    print(f"garbage collector: {collector}, thresholds {gc.get_threshold()}, {gc.get_freeze_count()} frozen")
    print(f"{machine_line()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    for label, (p50_bar, p99_bar), samples, *_ in results:
        if p50_bar is None:
            continue
        p50, p99 = statistics.median(samples), percentile(samples, 99)
        verdict = "PASS" if p50 < p50_bar and (p99_bar is None or p99 < p99_bar) else "MISS"
        wanted = f"p50 < {p50_bar}" + (f", p99 < {p99_bar}" if p99_bar else "")
        print(f"  {verdict} {label:34} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms   ({wanted} ms)")
    print(f"\n{'request':36} {'p50 ms':>8} {'p99 ms':>8} {'min ms':>8} {'queries':>8} {'bytes':>10}")
    for label, _bars, samples, queries, size in results:
        print(
            f"{label:36} {statistics.median(samples):8.1f} {percentile(samples, 99):8.1f} "
            f"{min(samples):8.1f} {queries:8d} {size:10,}"
        )
    print(f"first request of the process (GET /api/margins): {first_ms:.1f} ms")
    print(f"at the end: {machine_line()}")


def main() -> None:
    args = parse_args()
    create_database(args)
    setup_django(args)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load(args)
    describe()
    run(args)


if __name__ == "__main__":
    main()
