"""Pages of the tenancy core: the landing page, the organization switcher, the upgrade page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from margint.decorators import member_required
from margint.tenancy import switch_organization


@member_required()
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "margint/home.html", {"org": request.org})


@login_required
@require_POST
def switch_org(request: HttpRequest) -> HttpResponse:
    if switch_organization(request, request.POST.get("org", "")) is None:
        messages.error(request, "You are not a member of that organization.")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@login_required
def upgrade(request: HttpRequest) -> HttpResponse:
    return render(request, "margint/upgrade.html")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
