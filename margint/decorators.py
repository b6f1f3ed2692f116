"""Page-view guards: signed in, a member with at least a role, and Pro tier for Pro pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from margint.tenancy import active_membership


def member_required(role: str = "viewer", pro: bool = False) -> Callable:
    """Pages: 403 page below the role; the upgrade page for a free org on a Pro page."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            membership = active_membership(request)
            if membership is None:
                return render(request, "margint/no_org.html", status=403)
            if pro and not membership.organization.is_pro:
                return render(request, "margint/upgrade.html", status=403)
            if not membership.has_role(role):
                return render(request, "margint/forbidden.html", {"role": role}, status=403)
            request.membership = membership
            request.org = membership.organization
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
