"""`manage.py demo`: the demo organization, its Stripe account served by the Stripe double, and
the web server, in one process; one Ctrl-C stops both servers.

The double serves the demo organization's own Stripe account (publicapi.demo.demo_stripe_account:
the customers its mappings name) on --stripe-port; STRIPE_API_BASE points at it for the whole
process, so Sync now, its progress, disconnect and reconnect reach it like Stripe. Without Redis
no Celery beat runs, so this process also starts the scheduled revenue sync at the beat's times.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from billing.demo import DEMO_WEBHOOK_SECRET, demo_payment
from billing.sync.schedule import next_scheduled_sync
from billing.tasks import revenue_sync_fan_out
from margint.demo import DEMO_PASSWORD, DEMO_USERS
from publicapi.demo import demo_stripe_account, load_demo
from stripe_double import DEFAULT_API_KEY, RunningServer, deliver, serve

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Load the demo and serve it: the web server and, beside it, the Stripe double with its account."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--stripe-port",
            type=int,
            default=int(os.environ.get("STRIPE_PORT", "12111")),
            help="the Stripe double's port (0 picks a free one)",
        )

    def handle(self, *args, host: str, port: int, stripe_port: int, **options) -> None:
        today = timezone.now().date()
        with serve(demo_stripe_account(today), host=host, port=stripe_port) as stripe:
            # For this whole process (the web server's requests included); a Celery worker started
            # apart reads the environment, so it is exported there too.
            settings.STRIPE_API_BASE = os.environ["STRIPE_API_BASE"] = stripe.url
            ctx = load_demo(today=today, log=self.stdout.write, stripe_api_base=stripe.url)
            stop = threading.Event()
            if settings.CELERY_TASK_ALWAYS_EAGER:
                beat = threading.Thread(target=_scheduled_syncs, args=(stop,), name="demo-beat", daemon=True)
                beat.start()
            url, interactive = f"http://{host}:{port}/", sys.stdin.isatty()
            self._summary(ctx, url, stripe.url, payments=interactive)
            if interactive:
                hook = f"{_loopback(url)}api/stripe/webhooks/{ctx.org.public_id}"
                payments = threading.Thread(target=self._payments, args=(stripe, hook), daemon=True)
                payments.start()
            try:
                call_command("runserver", f"{host}:{port}", use_reloader=False)
            finally:
                stop.set()

    def _summary(self, ctx, url: str, stripe_url: str, *, payments: bool) -> None:
        write = self.stdout.write
        write("")
        write(f"Demo organization {ctx.org.name} ({ctx.org.public_id}) is ready.")
        for note in ctx.notes:
            write(f"  {note}")
        write(f"Sign in at {url} as (password {DEMO_PASSWORD}):")
        for role, email in DEMO_USERS.items():
            write(f"  {role:<6} {email}")
        write(f"Stripe double: {stripe_url} (key {DEFAULT_API_KEY}, webhook secret {DEMO_WEBHOOK_SECRET})")
        if payments:
            write("Press Enter here and Stripe (the double) records a paid invoice and sends its")
            write("invoice.paid webhook to Margint; the Stripe page's webhook health shows it.")
        write("Ctrl-C stops the web server and the Stripe double.")
        write("")

    def _payments(self, stripe: RunningServer, webhook_url: str) -> None:
        for _line in sys.stdin:
            self.stdout.write(stripe_payment_send(stripe, webhook_url))


def stripe_payment_send(stripe: RunningServer, webhook_url: str) -> str:
    """What Stripe does when a customer pays: the invoice in the account, then its signed webhook."""
    event = demo_payment(stripe.dataset, now=timezone.now())
    status = deliver(webhook_url, DEMO_WEBHOOK_SECRET, event)
    return f"Stripe sent {event['type']} ({event['id']}) to {webhook_url}: answered {status}"


def _loopback(url: str) -> str:
    """The URL this machine reaches the server at (0.0.0.0 listens everywhere, but is no address)."""
    return url.replace("//0.0.0.0:", "//127.0.0.1:")


def _scheduled_syncs(stop: threading.Event) -> None:
    """What Celery beat does for the revenue sync, in-process: the page's "next try" comes true."""
    while True:
        due = next_scheduled_sync(timezone.now())
        if stop.wait((due - timezone.now()).total_seconds()):
            return
        try:
            revenue_sync_fan_out()
        except Exception:  # a failed run is recorded on the Stripe page; the schedule goes on
            logger.exception("scheduled revenue sync failed")
        finally:
            close_old_connections()
