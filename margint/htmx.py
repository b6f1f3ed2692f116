"""The few HTMX habits every page view shares: page or fragment, the status of a form with errors,
and the answer to a mutation (the new fragment plus an event that other fragments listen for)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import trigger_client_event


def page_or_partial(
    request: HttpRequest, page: str, partial: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """The whole page for a normal request, only `partial` for an HTMX one."""
    return render(request, partial if request.htmx else page, context, status=status)


def invalid_form_status(request: HttpRequest) -> int:
    # htmx does not swap 4xx answers by default; a fragment showing field errors must be swapped in.
    return 200 if request.htmx else 400


def mutation_fragment(
    request: HttpRequest, partial: str, context: dict, *, event: str, detail: dict | None = None
) -> HttpResponse:
    """The new fragment and an HX-Trigger `event` (the listening table refreshes itself)."""
    response = render(request, partial, context)
    return trigger_client_event(response, event, detail or {})
