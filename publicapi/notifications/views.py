"""The webhook endpoints page of the dashboard (admins of a Pro organization, as the JSON API):
list, add (the signing secret shown once), disable or enable, delete, send a test event, and
each endpoint's delivery log. Every change goes through publicapi.notifications.services, every read
through publicapi.notifications.selectors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from margint.decorators import member_required
from margint.forms import focus_first_error
from margint.htmx import invalid_form_status, mutation_fragment, page_or_partial
from margint.models import Role
from publicapi.notifications import selectors, services
from publicapi.notifications.models import EVENT_TYPES, WebhookEndpoint
from publicapi.notifications.urlguard import UnsafeWebhookUrl

PAGE = "webhooks/endpoints.html"
LIST = "webhooks/partials/_endpoints_table.html"
FORM = "webhooks/partials/_endpoint_form.html"
DETAIL = "webhooks/endpoint.html"
LOG = "webhooks/partials/_delivery_log.html"
EVENT_DESCRIPTIONS = {
    "margin.threshold_crossed": "a customer's margin falls into a worse health tier",
    "budget.threshold_crossed": "a budget reaches one of its warning thresholds",
    "budget.exceeded": "a budget is spent",
}


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=2048,
        assume_scheme="https",
        help_text="Margint POSTs each event here as JSON, signed with the endpoint's secret.",
        widget=forms.URLInput(
            attrs={"placeholder": "https://example.com/hooks/margint", "autocomplete": "off"}
        ),
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=[(name, f"{name}: {EVENT_DESCRIPTIONS[name]}") for name in EVENT_TYPES],
        initial=list(EVENT_TYPES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event type, including ones added later.",
    )
    description = forms.CharField(max_length=200, required=False)


def _endpoint_or_404(request: HttpRequest, endpoint_id: str) -> WebhookEndpoint:
    endpoint = selectors.webhook_endpoint(org=request.org, endpoint_id=endpoint_id)
    if endpoint is None:
        raise Http404("No webhook endpoint with this id in this organization.")
    return endpoint


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"org": request.org, "endpoints": list(selectors.webhook_endpoints(org=request.org)), **extra}


@never_cache
@require_http_methods(["GET", "POST"])
@member_required(role=Role.ADMIN, pro=True)
def endpoints_page(request: HttpRequest) -> HttpResponse:
    """GET: the page (the list alone for HTMX). POST: add an endpoint and show its secret once."""
    if request.method == "GET":
        return page_or_partial(request, PAGE, LIST, _context(request, form=EndpointForm()))
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint, secret = services.webhook_endpoint_create(
                org=request.org,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
            )
        except UnsafeWebhookUrl as error:
            form.add_error("url", str(error))
    if form.errors:
        focus_first_error(form)
        return page_or_partial(
            request, PAGE, FORM, _context(request, form=form), status=invalid_form_status(request)
        )
    # No redirect: the secret exists only in this response (never_cache keeps it out of caches).
    context = _context(request, form=EndpointForm(), created=endpoint, secret=secret)
    if request.htmx:
        return mutation_fragment(
            request, FORM, context, event="webhookEndpointCreated", detail={"id": endpoint.id}
        )
    return page_or_partial(request, PAGE, FORM, context, status=201)


def _list_changed(request: HttpRequest, note: str, event: str, endpoint_id: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, note)
        return redirect("webhooks")
    return mutation_fragment(
        request, LIST, _context(request, notice=note), event=event, detail={"id": endpoint_id}
    )


@require_POST
@member_required(role=Role.ADMIN, pro=True)
def endpoint_delete_view(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    services.webhook_endpoint_delete(endpoint=endpoint)
    note = f"Endpoint {endpoint.url} deleted with its delivery log."
    return _list_changed(request, note, "webhookEndpointDeleted", endpoint_id)


@require_POST
@member_required(role=Role.ADMIN, pro=True)
def endpoint_active_view(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    active = request.POST.get("active") == "1"
    services.webhook_endpoint_set_active(endpoint=endpoint, active=active)
    if active:
        note = f"Endpoint {endpoint.url} enabled."
    else:
        note = f"Endpoint {endpoint.url} disabled: nothing is sent to it, and its pending retries stop."
    return _list_changed(request, note, "webhookEndpointChanged", endpoint_id)


def _log_context(request: HttpRequest, endpoint: WebhookEndpoint, **extra: Any) -> dict[str, Any]:
    groups = selectors.webhook_delivery_groups(endpoint=endpoint)
    awaiting = extra.pop("awaiting", "") or request.GET.get("awaiting", "")
    # Keep polling while the test event just sent has no attempt logged (a worker sends it).
    waiting = bool(awaiting) and endpoint.active and not any(g.event.id == awaiting for g in groups)
    return {
        "org": request.org,
        "endpoint": endpoint,
        "groups": groups,
        "awaiting": awaiting if waiting else "",
        # Without a broker nothing waits for a retry's countdown, so a failure there is final.
        "retries_need_worker": settings.CELERY_TASK_ALWAYS_EAGER,
        **extra,
    }


@never_cache
@require_GET
@member_required(role=Role.ADMIN, pro=True)
def endpoint_detail(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    """One endpoint and its delivery log (the log alone for HTMX)."""
    endpoint = _endpoint_or_404(request, endpoint_id)
    return page_or_partial(request, DETAIL, LOG, _log_context(request, endpoint))


@require_POST
@member_required(role=Role.ADMIN, pro=True)
def endpoint_test_view(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    """Send a webhook.test event to this endpoint through the normal delivery path."""
    endpoint = _endpoint_or_404(request, endpoint_id)
    if not endpoint.active:
        note, event_id = "This endpoint is disabled; enable it to send a test event.", ""
    else:
        event = services.webhook_test_send(endpoint=endpoint)
        note, event_id = f"Test event {event.id} sent.", event.id
    if not request.htmx:
        messages.info(request, note)
        return redirect("webhook-endpoint-page", endpoint_id=endpoint.id)
    return render(request, LOG, _log_context(request, endpoint, notice=note, awaiting=event_id))
