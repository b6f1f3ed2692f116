"""The runner of one sync: its phases, page by page, each page written in one transaction that
also saves the run's cursor and progress; then the run's ending and the `revenue_synced` signal."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing import signals
from billing.mirrors import (
    OPEN_INVOICE_STATUSES,
    credit_notes_upsert,
    customers_mark_deleted,
    customers_upsert,
    invoice_delete,
    invoices_upsert,
    needs_settlement,
    subscriptions_upsert,
)
from billing.models import StripeConnection, StripeCustomer, StripeInvoice, SyncRun
from billing.revenue import DayKey, months_of, revenue_daily_recompute, revenue_lock
from billing.stripe_gateway import Page, StripeAuthFailed, StripeGateway, StripeNotFound, StripeUnavailable
from margint.metrics import sync_counted
from margint.models import Organization

logger = logging.getLogger(__name__)

PHASES = (
    "customers",
    "subscriptions",
    "invoices",
    "credit_notes",
    "open_invoices",
    "stale_invoices",
    "deleted_customers",
    "revenue",
)
# Share of the progress bar per phase: invoices are nearly all of the work.
PHASE_WEIGHTS = {
    "customers": 5,
    "subscriptions": 5,
    "invoices": 70,
    "credit_notes": 5,
    "open_invoices": 3,
    "stale_invoices": 2,
    "deleted_customers": 5,
    "revenue": 5,
}
DONE = "done"
# Why a run failed, in stats["failure"]: what the pages put in plain words (billing.sync_problems).
FAILURE_UNREACHABLE = "unreachable"  # Stripe could not be reached, after the gateway's retries
FAILURE_KEY_REFUSED = "key_refused"  # Stripe refused the key (revoked, or not allowed to read)
FAILURE_INTERNAL = "internal"  # anything else: a database error, the time limit
_RETRIEVE_BATCH = 50


class SyncRunner:
    def __init__(
        self, org: Organization, run: SyncRun, gateway: StripeGateway, *, resumed_from: str | None = None
    ) -> None:
        self.org, self.run, self.gateway = org, run, gateway
        self.cursor: dict[str, Any] = dict(run.cursor)
        self.window_start = int(self.cursor["windowStart"])
        self.listing_started = datetime.fromisoformat(self.cursor["listingStarted"])
        self.periods: set[tuple[int, str]] = set()
        # (customer, day)s whose allocations the pages changed; the revenue phase rebuilds them.
        # A run resumed after pages of an earlier run were written does not know theirs.
        self.touched: set[DayKey] = set()
        self.touched_known = not self.cursor.get("revenuePending")
        # What this run's listings returned: a mirror they left out is read again (deleted
        # customers, invoices no longer open). A resumed run knows only its own pages, so it reads
        # more of them again: slower, never wrong, and nothing is written for the unchanged.
        self.listed_customers: set[str] = set()
        self.listed_invoices: set[str] = set()
        self.clock = time.monotonic()
        self.stats: dict[str, Any] = {
            "phase": self.cursor["phase"],
            "progress": 0,
            "pages": 0,
            "customersProcessed": 0,
            "subscriptionsFetched": 0,
            "invoicesFetched": 0,
            "invoicesSkipped": 0,
            "skippedCurrencies": {},
            "creditNotesFetched": 0,
            "periodsUpdated": 0,
            "autoMatchesCreated": 0,
            "windowStart": datetime.fromtimestamp(self.window_start, tz=UTC).isoformat(),
            "resumedFrom": resumed_from,
        }

    def execute(self) -> None:
        try:
            for phase in PHASES[PHASES.index(self.cursor["phase"]) :]:
                getattr(self, f"_phase_{phase}")()
                self._advance(phase)
        except StripeAuthFailed as error:
            self._fail(error, FAILURE_KEY_REFUSED)
            _connection_revoke(self.org, str(error))
        except StripeUnavailable as error:
            self._fail(error, FAILURE_UNREACHABLE)
        except Exception as error:  # any other failure (database, time limit) still ends the run
            logger.exception("revenue sync %s of %s failed", self.run.pk, self.org.public_id)
            self._fail(error, FAILURE_INTERNAL)
        else:
            self._succeed()
        sync_counted(
            succeeded=self.run.status == SyncRun.Status.SUCCEEDED, seconds=time.monotonic() - self.clock
        )

    # -- phases ----------------------------------------------------------------------------

    def _phase_customers(self) -> None:
        def write(page: Page) -> set[DayKey]:
            customers_upsert(org=self.org, customers=page.items, seen_at=self.listing_started)
            self.listed_customers.update(customer.stripe_id for customer in page.items)
            self.stats["customersProcessed"] += len(page.items)
            return set()

        self._paged(lambda after: self.gateway.list_customers(starting_after=after), write)

    def _phase_subscriptions(self) -> None:
        def write(page: Page) -> set[DayKey]:
            subscriptions_upsert(org=self.org, subscriptions=page.items)
            self.stats["subscriptionsFetched"] += len(page.items)
            return set()

        self._paged(lambda after: self.gateway.list_subscriptions(starting_after=after), write)

    def _phase_invoices(self) -> None:
        def fetch(after: str | None) -> Page:
            return self._settled(
                self.gateway.list_invoices(created_gte=self.window_start, starting_after=after)
            )

        self._paged(fetch, self._write_invoices, progress=self._invoice_progress)

    def _phase_credit_notes(self) -> None:
        def fetch(after: str | None) -> Page:
            return self.gateway.list_credit_notes(created_gte=self.window_start, starting_after=after)

        def write(page: Page) -> set[DayKey]:
            self.stats["creditNotesFetched"] += len(page.items)
            return credit_notes_upsert(org=self.org, credit_notes=page.items).touched

        self._paged(fetch, write)

    def _phase_open_invoices(self) -> None:
        """Every invoice still open, whenever it was created: an open invoice from before the
        window has its payment attempts updated, and one missing from this list has changed."""

        def fetch(after: str | None) -> Page:
            return self._settled(self.gateway.list_invoices(status="open", starting_after=after))

        self._paged(fetch, lambda page: self._write_invoices(page, before_window_only=True))

    def _phase_stale_invoices(self) -> None:
        """Invoices mirrored as open (or draft) that neither listing returned have been paid,
        voided or deleted since: read each one again."""
        mirrored_open = StripeInvoice.objects.filter(
            org=self.org, status__in=OPEN_INVOICE_STATUSES, synced_at__lt=self.listing_started
        ).values_list("stripe_id", flat=True)
        stale = [stripe_id for stripe_id in mirrored_open if stripe_id not in self.listed_invoices]
        for batch in _batches(stale):
            fetched, gone = [], []
            for stripe_id in batch:
                try:
                    fetched.append(self.gateway.retrieve_invoice(stripe_id))
                except StripeNotFound:
                    gone.append(stripe_id)  # a deleted draft
            self._write(self._settled(Page(tuple(fetched), False, None)), self._write_invoices, deleted=gone)

    def _phase_deleted_customers(self) -> None:
        """Lists leave deleted customers out: any live mirror the listing did not return is read
        again; Stripe answers a deleted one with a stub."""
        live = StripeCustomer.objects.filter(org=self.org, deleted=False).values_list("stripe_id", flat=True)
        unseen = [stripe_id for stripe_id in live if stripe_id not in self.listed_customers]
        for batch in _batches(unseen):
            live, deleted = [], []
            for stripe_id in batch:
                try:
                    customer = self.gateway.retrieve_customer(stripe_id)
                except StripeNotFound:
                    deleted.append(stripe_id)
                    continue
                if customer.deleted:
                    deleted.append(stripe_id)
                else:
                    live.append(customer)
            self._write_customers_checked(live, deleted)

    def _phase_revenue(self) -> None:
        """Daily revenue rebuilt once for all the pages: every touched (customer, month) in one
        set-based upsert, however many pages touched it (a first sync's customer appears on a
        page per invoice). A run that resumed after another's pages rebuilds the org whole."""
        if not self.cursor.get("revenuePending"):
            return
        with transaction.atomic():
            revenue_lock(org=self.org)
            keys = self.touched if self.touched_known else None
            self.periods |= months_of(revenue_daily_recompute(org=self.org, keys=keys))
            self.stats["periodsUpdated"] = len(self.periods)
            self.cursor["revenuePending"] = False
            self._save()

    def _revenue_settle(self) -> None:
        """A failing run still rebuilds the daily revenue of the pages it wrote, so the books
        balance for them; if that fails too, the cursor keeps it pending for the next run."""
        try:
            self._phase_revenue()
        except Exception:
            logger.exception("daily revenue of failed sync %s left pending", self.run.pk)

    def _settled(self, page: Page) -> Page:
        """Paid invoices in another currency carry what Stripe settled for them (read outside
        the page's transaction: a network call must not hold the revenue lock)."""
        currency = self.org.reporting_currency
        items = tuple(
            self.gateway.with_settlement(inv) if needs_settlement(inv, currency) else inv
            for inv in page.items
        )
        return Page(items, page.has_more, page.last_id)

    # -- writing ---------------------------------------------------------------------------

    def _write_invoices(self, page: Page, *, before_window_only: bool = False) -> set[DayKey]:
        """Write a page of invoices; count them unless this run counted them already (the open
        listing repeats the open invoices the window's listing returned)."""
        result = invoices_upsert(org=self.org, invoices=page.items)
        self.listed_invoices.update(invoice.stripe_id for invoice in page.items)
        counted = [
            invoice
            for invoice in page.items
            if not before_window_only or invoice.created.timestamp() < self.window_start
        ]
        self.stats["invoicesFetched"] += len(counted)
        # Documents written without a rate to convert them (the period's amounts are in
        # billing.selectors.unconverted_amounts, whatever this run wrote).
        skipped = self.stats["skippedCurrencies"]
        for currency, count in result.skipped_currencies.items():
            skipped[currency] = skipped.get(currency, 0) + count
            self.stats["invoicesSkipped"] += count
        return result.touched

    def _write_customers_checked(self, live: list, deleted: list[str]) -> None:
        with transaction.atomic():
            revenue_lock(org=self.org)
            customers_upsert(org=self.org, customers=live, seen_at=timezone.now())
            customers_mark_deleted(org=self.org, stripe_ids=deleted)
            self._save()

    def _paged(
        self,
        fetch: Callable[[str | None], Page],
        write: Callable[[Page], set[DayKey]],
        *,
        progress: Callable[[Page], float] | None = None,
    ) -> None:
        while True:
            page = fetch(self.cursor.get("after"))
            self._write(page, write, progress=progress)
            if not page.has_more or page.last_id is None:
                return

    def _write(
        self,
        page: Page,
        write: Callable[[Page], set[DayKey]],
        *,
        progress: Callable[[Page], float] | None = None,
        deleted: Iterable[str] = (),
    ) -> None:
        """One page: mirrors, allocations, cursor and progress in one transaction; the daily
        revenue of what it touched waits for the revenue phase (the cursor says it is pending)."""
        with transaction.atomic():
            revenue_lock(org=self.org)
            touched = write(page)
            for stripe_id in deleted:
                touched |= invoice_delete(org=self.org, stripe_id=stripe_id)
            if touched:
                self.touched |= touched
                self.cursor["revenuePending"] = True
            self.stats["pages"] += 1
            if page.last_id is not None:
                self.cursor["after"] = page.last_id
            if progress is not None:
                self._set_progress(self.cursor["phase"], progress(page))
            self._save()

    def _invoice_progress(self, page: Page) -> float:
        # Lists are newest first: how far back the last invoice is tells how much is left.
        if not page.items or not page.has_more:
            return 1.0
        span = self.listing_started.timestamp() - self.window_start
        covered = self.listing_started.timestamp() - page.items[-1].created.timestamp()
        return min(max(covered / span, 0.0), 1.0) if span > 0 else 1.0

    def _advance(self, finished: str) -> None:
        following = PHASES.index(finished) + 1
        self.cursor["phase"] = PHASES[following] if following < len(PHASES) else DONE
        self.cursor["after"] = None
        self._set_progress(self.cursor["phase"], 0.0)
        self._save()

    def _set_progress(self, phase: str, fraction: float) -> None:
        done = sum(PHASE_WEIGHTS[p] for p in PHASES[: PHASES.index(phase)]) if phase in PHASES else 100
        current = PHASE_WEIGHTS.get(phase, 0) * fraction
        self.stats["phase"] = phase
        self.stats["progress"] = min(int(done + current), 100)

    def _save(self, *fields: str) -> None:
        self.run.cursor = dict(self.cursor)
        self.run.stats = dict(self.stats, durationMs=self._elapsed_ms())
        self.run.heartbeat_at = timezone.now()
        # An update, not save(): a disconnect deletes the run, and that must not raise here.
        values = {name: getattr(self.run, name) for name in ("cursor", "stats", "heartbeat_at", *fields)}
        SyncRun.objects.filter(pk=self.run.pk).update(**values)

    def _elapsed_ms(self) -> int:
        return int((time.monotonic() - self.clock) * 1000)

    # -- endings ---------------------------------------------------------------------------

    def _succeed(self) -> None:
        now = timezone.now()
        self.run.status = SyncRun.Status.SUCCEEDED
        self.run.finished_at = now
        self.run.error = ""
        self._save("status", "finished_at", "error")
        StripeConnection.objects.filter(org=self.org).update(
            status=StripeConnection.Status.ACTIVE, last_error="", last_synced_at=now, updated_at=now
        )

    def _fail(self, error: BaseException, failure: str) -> None:
        self._revenue_settle()
        message = str(error) or type(error).__name__
        # The error's own text stays in `error` for the APIs and the logs; pages say `failure`.
        self.stats["failure"] = failure
        self.run.status = SyncRun.Status.FAILED
        self.run.finished_at = timezone.now()
        self.run.error = message
        self._save("status", "finished_at", "error")
        StripeConnection.objects.filter(org=self.org).update(last_error=message, updated_at=timezone.now())

    def after_sync(self) -> None:
        """Auto-matching and margin alerts see the new revenue; their counts go into the stats."""
        now = timezone.now()
        try:
            responses = signals.revenue_synced.send(sender=None, org=self.org, as_of=now)
            self.stats.update(signals.counts_of(responses))
        except Exception as error:  # the revenue is committed; a follow-up failing must not undo it
            logger.exception("receivers of revenue_synced failed for %s", self.org.public_id)
            self.stats["afterSyncError"] = f"{type(error).__name__}: {error}"
        # durationMs covers the whole sync, follow-ups included, as the manual response reports it.
        self.run.stats = dict(self.stats, durationMs=self._elapsed_ms())
        SyncRun.objects.filter(pk=self.run.pk).update(stats=self.run.stats)


def _connection_revoke(org: Organization, message: str) -> None:
    StripeConnection.objects.filter(org=org).update(
        status=StripeConnection.Status.REVOKED, last_error=message, updated_at=timezone.now()
    )


def _batches(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), _RETRIEVE_BATCH):
        yield values[start : start + _RETRIEVE_BATCH]
