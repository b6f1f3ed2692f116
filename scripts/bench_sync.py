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


def _cpu_seconds(double_pid: int) -> tuple[float, float, float]:
    """CPU seconds (user + system) of this process, of its PostgreSQL backend and of the double."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def of(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return of(os.getpid()), of(backend), of(double_pid)


def _row_writes() -> dict[str, int]:
    """Rows inserted, updated and deleted so far per table (pg_stat_user_tables), the sync's own
    run record and connection row left out: what a sync of unchanged data should not touch."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        time.sleep(1.1)  # statistics reach the shared view when the backend reports them
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"
            " WHERE relname NOT IN ('billing_syncrun', 'billing_stripeconnection')"
        )
        return dict(cursor.fetchall())


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
            cpu_before = _cpu_seconds(child.pid)
            started = time.perf_counter()
            run = revenue_sync_run(org=org, trigger="benchmark")
            elapsed = time.perf_counter() - started
            cpu = [after - before for before, after in zip(cpu_before, _cpu_seconds(child.pid), strict=True)]
            traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
            tracemalloc.stop()
            rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            writes_before = _row_writes()
            incremental_started = time.perf_counter()
            incremental = revenue_sync_run(org=org, trigger="benchmark")
            incremental_elapsed = time.perf_counter() - incremental_started
            incremental_writes = _row_writes()
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
    # The sync is one pipeline (fetch a page, write it, commit): on an idle machine its wall time is
    # about the sum of the CPU each part spent, whatever else shares the cores during the run.
    sync_cpu, db_cpu, double_cpu = cpu
    per_cpu_second = stats["invoicesFetched"] / sum(cpu)
    print(
        f"  CPU spent: sync {sync_cpu:.1f} s, PostgreSQL backend {db_cpu:.1f} s, Stripe double "
        f"{double_cpu:.1f} s; sum {sum(cpu):.1f} s = {per_cpu_second:.0f} invoices per CPU-second"
    )
    print(f"  peak RSS: {rss_peak / 1024:.0f} MB (before the sync: {rss_before / 1024:.0f} MB)")
    if traced_peak is not None:
        print(f"  tracemalloc peak: {traced_peak / 1024 / 1024:.1f} MB")
    for name, value in books.items():
        print(f"  {name}: {value}")
    print(f"  books balance: {books['daily total'] == books['allocation total']}")
    print(f"incremental sync: {incremental.stats['invoicesFetched']} invoices in {incremental_elapsed:.2f} s")
    changed = {
        t: n - writes_before.get(t, 0) for t, n in incremental_writes.items() if n != writes_before.get(t, 0)
    }
    print(f"  rows it wrote (inserted + updated + deleted) outside the run's own record: {changed or 'none'}")
    print(f"load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
