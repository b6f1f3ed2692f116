"""Benchmark: one first revenue sync of a large Stripe account, on PostgreSQL.

    python scripts/bench_sync.py [--invoices 10000] [--customers 1000] [--lines 3] [--tracemalloc]

Serves `bulk_dataset` from the Stripe double in a child process (so this process measures only
the sync), connects a fresh organization through the real connect service, runs the real sync
and prints invoices per second and peak memory, then checks the books (daily revenue equals
the sum of the allocations, every paid invoice allocated) and times an incremental sync.
The database (default margint_bench4) is created if missing and migrated.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/margint_bench4"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--lines", type=int, default=3, help="lines per invoice")
    parser.add_argument("--port", type=int, default=12_444)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    return parser.parse_args()


def _prepare_environment(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.pop("REDIS_URL", None)
    # bulk_dataset spreads invoices over the 12 calendar months before today; reach all of them.
    os.environ["STRIPE_SYNC_LOOKBACK_MONTHS"] = "13"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "margint.settings")
    sys.path.insert(0, str(ROOT))
    _create_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _serve_double(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    command = [
        sys.executable, "-m", "stripe_double", "--bulk", "--as-of", date.today().isoformat(),
        "--invoices", str(args.invoices), "--customers", str(args.customers),
        "--lines-per-invoice", str(args.lines), "--port", str(args.port),
    ]  # fmt: skip
    # Our own interpreter and module with numeric arguments: nothing from outside reaches the shell.
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)  # noqa: S603
    for line in child.stdout:
        print(f"  double: {line.rstrip()}")
        if line.startswith("Stripe double at "):
            return child, line.split()[3]
    raise RuntimeError("the Stripe double did not start")


def _organization():
    from margint.models import Organization, Tier
    from margint.services import organization_create

    Organization.objects.filter(name="Sync benchmark").delete()
    return organization_create(
        name="Sync benchmark", tier=Tier.PRO, admin_email="bench@margint.test", admin_password=None
    )


def _books(org) -> dict[str, int]:
    from django.db.models import Sum

    from billing.models import RevenueAllocation, RevenueDaily, StripeInvoice

    paid = StripeInvoice.objects.filter(org=org, status="paid")
    return {
        "paid invoices": paid.count(),
        "paid invoices allocated": RevenueAllocation.objects.filter(org=org, source_type="invoice")
        .values("source_id")
        .distinct()
        .count(),
        "allocation rows": RevenueAllocation.objects.filter(org=org).count(),
        "daily rows": RevenueDaily.objects.filter(org=org).count(),
        "daily total": RevenueDaily.objects.filter(org=org).aggregate(t=Sum("amount_micro"))["t"] or 0,
        "allocation total": RevenueAllocation.objects.filter(org=org).aggregate(t=Sum("amount_micro"))["t"]
        or 0,
    }


def main() -> int:
    args = _arguments()
    _prepare_environment(args)
    from django.test.utils import override_settings

    from billing.services import stripe_connect
    from billing.sync import revenue_sync_run
    from stripe_double import DEFAULT_API_KEY

    child, url = _serve_double(args)
    try:
        with override_settings(STRIPE_API_BASE=url):
            org = _organization()
            stripe_connect(org=org, stripe_key=DEFAULT_API_KEY, start_sync=False)
            if args.tracemalloc:
                tracemalloc.start()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            run = revenue_sync_run(org=org, trigger="benchmark")
            elapsed = time.perf_counter() - started
            traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
            tracemalloc.stop()
            rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            incremental_started = time.perf_counter()
            incremental = revenue_sync_run(org=org, trigger="benchmark")
            incremental_elapsed = time.perf_counter() - incremental_started
    finally:
        child.terminate()
        child.wait(timeout=10)
    if run.status != "succeeded":
        print(f"sync failed: {run.error}")
        return 1
    stats = run.stats
    books = _books(org)
    print(f"first sync: {stats['invoicesFetched']} invoices ({args.lines} lines each), "
          f"{stats['customersProcessed']} customers, {stats['pages']} pages in {elapsed:.1f} s")  # fmt: skip
    print(f"  throughput: {stats['invoicesFetched'] / elapsed:.0f} invoices/s")
    print(f"  peak RSS: {rss_peak / 1024:.0f} MB (before the sync: {rss_before / 1024:.0f} MB)")
    if traced_peak is not None:
        print(f"  tracemalloc peak: {traced_peak / 1024 / 1024:.1f} MB")
    for name, value in books.items():
        print(f"  {name}: {value}")
    print(f"  books balance: {books['daily total'] == books['allocation total']}")
    print(f"incremental sync: {incremental.stats['invoicesFetched']} invoices in {incremental_elapsed:.2f} s")
    print(f"load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
