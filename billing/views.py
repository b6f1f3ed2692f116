"""The Stripe page of the dashboard: connection, webhook secret, disconnect, sync runs, webhook health.

Who may do what follows the billing API (margint.permissions): every member of a Pro organization
reads the status and the runs (as GET /api/stripe/status), members start a sync (as
/api/stripe/revenue-sync), admins connect, set the webhook secret and disconnect (as
/api/stripe/connect and /disconnect). Every change goes through billing.services and billing.sync;
the progress fragment reads the same SyncRun the JSON /api/stripe/sync-runs/<id> reads.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from billing import selectors
from billing.forms import DisconnectForm, ReplaceKeyForm, StripeConnectForm, WebhookSecretForm
from billing.models import StripeConnection, SyncRun
from billing.services import (
    StripeAccountMismatch,
    StripeAlreadyConnected,
    StripeKeyRejected,
    StripeNotConnectedError,
    stripe_connect,
    stripe_disconnect,
    stripe_key_replace,
    stripe_webhook_secret_set,
)
from billing.stripe_gateway import StripeUnavailable
from billing.sync import PHASES, StripeNotConnected, SyncAlreadyRunning, revenue_sync_start
from margint.decorators import member_required
from margint.forms import focus_first_error
from margint.htmx import invalid_form_status
from margint.models import Role

PAGE = "billing/stripe.html"
BODY = "billing/partials/_stripe_body.html"
SYNC_PANEL = "billing/partials/_sync_panel.html"
RUNS = "billing/partials/_sync_runs.html"
RUNS_SHOWN = 10
PHASE_LABELS = {phase: phase.replace("_", " ").capitalize() for phase in PHASES} | {"done": "Finishing"}


@dataclass(frozen=True)
class RunView:
    """A SyncRun as the page shows it: its counters by name, the phase in words."""

    run: SyncRun

    @property
    def stats(self) -> dict[str, Any]:
        return self.run.stats or {}

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS.get(self.stats.get("phase") or "", "Waiting to start")

    @property
    def duration_seconds(self) -> str:
        ms = self.stats.get("durationMs")
        return "" if ms is None else f"{ms / 1000:.1f} s"

    @property
    def problem(self) -> selectors.SyncProblem | None:
        """A failed run in plain words; its exception text stays in run.error for the API."""
        return selectors.sync_problem(self.run, now=timezone.now())

    @property
    def skipped_currencies(self) -> str:
        skipped = self.stats.get("skippedCurrencies") or {}
        return ", ".join(f"{count} in {currency.upper()}" for currency, count in sorted(skipped.items()))


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    org = request.org
    connection = StripeConnection.objects.filter(org=org).first()
    is_admin = request.membership.has_role(Role.ADMIN)
    running = selectors.sync_run_running(org=org)
    context = {
        "org": org,
        "connection": connection,
        "status": selectors.sync_status(org=org),
        "runs": [RunView(run) for run in selectors.recent_sync_runs(org=org, limit=RUNS_SHOWN)],
        "current": RunView(running) if running else None,
        "health": selectors.webhook_health(org=org, now=timezone.now()),
        "webhook_url": request.build_absolute_uri(reverse("stripe-webhook", args=[org.public_id])),
        "can_sync": request.membership.has_role(Role.MEMBER),
        "can_admin": is_admin,
        "impact": selectors.disconnect_impact(org=org) if is_admin and connection else None,
        "connect_form": StripeConnectForm(),
        "secret_form": WebhookSecretForm(),
        "replace_form": ReplaceKeyForm(),
        "disconnect_form": DisconnectForm(),
    }
    return context | extra


def _body(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """An admin's change: the page's body for HTMX (every panel may have changed), else the page."""
    return render(request, BODY if request.htmx else PAGE, context, status=status)


def _invalid(request: HttpRequest, form: forms.Form, name: str) -> HttpResponse:
    focus_first_error(form)
    # Errors of no field go on top of the body: the form they came from may not be shown (a
    # connect form posted while already connected).
    context = _context(request, **{name: form, "form_errors": form.non_field_errors()})
    return _body(request, context, status=invalid_form_status(request))


def _done(request: HttpRequest, note: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, note)
        return redirect("stripe-page")
    return _body(request, _context(request, notice=note))


@never_cache
@require_GET
@member_required(role=Role.VIEWER, pro=True)
def stripe_page(request: HttpRequest) -> HttpResponse:
    """The page; for HTMX the runs table alone (it refreshes itself when a run finishes)."""
    return render(request, RUNS if request.htmx else PAGE, _context(request))


@never_cache
@require_POST
@member_required(role=Role.ADMIN, pro=True)
def stripe_connect_view(request: HttpRequest) -> HttpResponse:
    form = StripeConnectForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, "connect_form")
    try:
        stripe_connect(
            org=request.org,
            stripe_key=form.cleaned_data["stripe_key"],
            webhook_secret=form.cleaned_data["webhook_secret"],
            start_sync=False,
        )
    except StripeKeyRejected as error:
        form.add_error("stripe_key", f"Stripe did not accept this key: {error}")
    except StripeAlreadyConnected as error:
        form.add_error(None, str(error))
    except StripeUnavailable:
        form.add_error(None, "Stripe could not be reached; nothing was saved. Try again in a moment.")
    if form.errors:
        return _invalid(request, form, "connect_form")
    # The first sync, claimed here (not by the connect service) so the page follows it at once.
    with contextlib.suppress(SyncAlreadyRunning):
        revenue_sync_start(org=request.org, trigger="connect")
    return _done(request, "Stripe is connected. The first sync has started.")


@never_cache
@require_POST
@member_required(role=Role.ADMIN, pro=True)
def stripe_replace_key_view(request: HttpRequest) -> HttpResponse:
    """A new key for the connected account; nothing else changes. The key is never echoed back."""
    form = ReplaceKeyForm(request.POST)
    if form.is_valid():
        try:
            stripe_key_replace(org=request.org, stripe_key=form.cleaned_data["stripe_key"])
        except StripeKeyRejected as error:
            form.add_error("stripe_key", f"Stripe did not accept this key: {error}")
        except StripeAccountMismatch as error:
            form.add_error("stripe_key", str(error))
        except StripeNotConnectedError as error:
            form.add_error(None, str(error))
        except StripeUnavailable:
            form.add_error(None, "Stripe could not be reached; the key is not replaced. Try again soon.")
    if form.errors:
        return _invalid(request, form, "replace_form")
    return _done(request, "The Stripe key is replaced. Mirrors, revenue and mappings are kept.")


@never_cache
@require_POST
@member_required(role=Role.ADMIN, pro=True)
def stripe_webhook_secret_view(request: HttpRequest) -> HttpResponse:
    form = WebhookSecretForm(request.POST)
    if form.is_valid():
        try:
            stripe_webhook_secret_set(org=request.org, webhook_secret=form.cleaned_data["webhook_secret"])
        except StripeNotConnectedError as error:
            form.add_error(None, str(error))
    if form.errors:
        return _invalid(request, form, "secret_form")
    return _done(request, "Webhook signing secret saved. Stripe's events are now verified with it.")


@never_cache
@require_POST
@member_required(role=Role.ADMIN, pro=True)
def stripe_disconnect_view(request: HttpRequest) -> HttpResponse:
    form = DisconnectForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, "disconnect_form")
    if not stripe_disconnect(org=request.org):
        form.add_error(None, "Stripe is not connected.")
        return _invalid(request, form, "disconnect_form")
    return _done(request, "Stripe is disconnected; its mirrored data, revenue and mappings are deleted.")


def _panel(request: HttpRequest, run: SyncRun | None, **extra: Any) -> HttpResponse:
    org = request.org
    connection = StripeConnection.objects.filter(org=org).first()
    finished = run is not None and run.status != SyncRun.Status.RUNNING
    context = {
        "org": org,
        "current": RunView(run) if run else None,
        "can_sync": request.membership.has_role(Role.MEMBER),
        "connection": connection,
        **extra,
    }
    if finished and connection is not None:
        # The connection's facts (last sync, skipped currencies) and the disconnect counts
        # changed with the run: they come along out of band.
        is_admin = request.membership.has_role(Role.ADMIN)
        context |= {
            "oob": True,
            "status": selectors.sync_status(org=org),
            "impact": selectors.disconnect_impact(org=org) if is_admin else None,
        }
    response = render(request, SYNC_PANEL, context)
    if finished:
        # The runs table listens for this and reloads itself with the finished run.
        trigger_client_event(response, "syncRunFinished", {"runId": str(run.pk), "status": run.status})
    return response


@require_POST
@member_required(role=Role.MEMBER, pro=True)
def stripe_sync_view(request: HttpRequest) -> HttpResponse:
    """Start a sync; HTMX gets the progress panel, which polls the run until it ends."""
    try:
        run = revenue_sync_start(org=request.org, trigger="manual")
        note = ""
    except StripeNotConnected as error:
        run, note = None, str(error)
    except SyncAlreadyRunning as running:
        run = selectors.sync_run_get(org=request.org, run_id=running.run_id) if running.run_id else None
        note = "A sync is already running; this is its progress."
    if not request.htmx:
        if note:
            messages.info(request, note)
        return redirect("stripe-page")
    if run is not None:
        run.refresh_from_db()  # an in-process (eager) task may have finished it already
    return _panel(request, run, notice=note)


@never_cache
@require_GET
@member_required(role=Role.VIEWER, pro=True)
def stripe_sync_run_view(request: HttpRequest, run_id) -> HttpResponse:
    """The progress panel of one run (polled every second while it runs)."""
    run = selectors.sync_run_get(org=request.org, run_id=run_id)
    if run is None:
        raise Http404("No sync run with this id in this organization.")
    if not request.htmx:
        return redirect("stripe-page")
    return _panel(request, run)
