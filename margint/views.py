"""Pages of the tenancy core: organization switcher, upgrade, organization settings, members.

The overview (home page) combines both fact sources and mappings, so it is a surface:
publicapi.views.overview.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from margint import services
from margint.decorators import member_required
from margint.forms import (
    MemberInviteForm,
    MemberRoleForm,
    OrgSettingsForm,
    add_service_errors,
    focus_first_error,
)
from margint.fx.selectors import currencies_with_rates, currency_rebuild_latest
from margint.htmx import invalid_form_status, mutation_fragment, page_or_partial
from margint.models import Membership, Organization, Role
from margint.tenancy import switch_organization


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


FAVICON = settings.BASE_DIR / "static" / "favicon.svg"


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, where browsers look first, answered by the view: it needs no static file server."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")


# Organization settings ---------------------------------------------------------------------------


def _plain_number(value: Decimal) -> str:
    """50.00 -> "50", 12.50 -> "12.5": what a person would type."""
    return format(Decimal(value).quantize(Decimal("0.01")).normalize(), "f")


def _settings_initial(org: Organization) -> dict:
    return {
        "name": org.name,
        "reporting_currency": org.reporting_currency.upper(),
        "healthy_threshold": _plain_number(org.healthy_threshold),
        "moderate_threshold": _plain_number(org.moderate_threshold),
        "at_risk_threshold": _plain_number(org.at_risk_threshold),
    }


@never_cache
@require_http_methods(["GET", "POST"])
@member_required(role=Role.ADMIN, pro=True)
def org_settings(request: HttpRequest) -> HttpResponse:
    org, saved = request.org, False
    form = OrgSettingsForm(request.POST or None, initial=_settings_initial(org))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org = services.organization_update_settings(
                org=org,
                name=data["name"],
                reporting_currency=data["reporting_currency"],
                healthy=data["healthy_threshold"],
                moderate=data["moderate_threshold"],
                at_risk=data["at_risk_threshold"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, "Settings saved.")
                return redirect("org-settings")
            form, saved = OrgSettingsForm(initial=_settings_initial(org)), True
    context = {
        "org": org,
        "form": form,
        "saved": saved,
        "currencies": [code.upper() for code in currencies_with_rates()],
        "rebuild": currency_rebuild_latest(org=org),
    }
    if saved:
        return mutation_fragment(
            request, "margint/partials/_settings_form.html", context, event="orgSettingsChanged"
        )
    status = 200
    if form.errors:
        focus_first_error(form)
        status = invalid_form_status(request)
    return page_or_partial(
        request, "margint/settings.html", "margint/partials/_settings_form.html", context, status=status
    )


# Members -----------------------------------------------------------------------------------------


def _members_context(request: HttpRequest, *, error: str = "") -> dict:
    memberships = list(
        Membership.objects.filter(organization=request.org).select_related("user").order_by("user__email")
    )
    return {
        "org": request.org,
        "member_rows": memberships,
        "admin_count": sum(1 for m in memberships if m.role == Role.ADMIN),
        "roles": Role.choices,
        "me": request.membership,
        "error": error,
    }


@never_cache
@require_GET
@member_required(role=Role.ADMIN)
def members(request: HttpRequest) -> HttpResponse:
    context = {**_members_context(request), "form": MemberInviteForm()}
    return page_or_partial(request, "margint/members.html", "margint/partials/_members_table.html", context)


@never_cache
@require_POST
@member_required(role=Role.ADMIN)
def member_invite(request: HttpRequest) -> HttpResponse:
    form = MemberInviteForm(request.POST)
    added = None
    if form.is_valid():
        try:
            added = services.membership_invite(
                org=request.org,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                password=form.cleaned_data["password"] or None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if added is not None and not request.htmx:
        messages.success(request, f"{added.user.email} added as {added.get_role_display().lower()}.")
        return redirect("members")
    if added is not None:
        context = {"form": MemberInviteForm(), "added": added}
        return mutation_fragment(
            request, "margint/partials/_member_invite_form.html", context, event="memberAdded"
        )
    focus_first_error(form)
    context = {**_members_context(request), "form": form}
    return page_or_partial(
        request,
        "margint/members.html",
        "margint/partials/_member_invite_form.html",
        context,
        status=invalid_form_status(request),
    )


def _after_member_change(
    request: HttpRequest, membership: Membership, *, event: str, note: str
) -> HttpResponse:
    """Answer a role change or removal; when admins change themselves out of the page, leave it."""
    left_admin = membership.user_id == request.user.pk and (
        event == "memberRemoved" or membership.role != Role.ADMIN
    )
    if left_admin:
        messages.info(request, note)
        return HttpResponseClientRedirect("/") if request.htmx else redirect("home")
    if not request.htmx:
        messages.success(request, note)
        return redirect("members")
    context = {**_members_context(request), "notice": note}
    return mutation_fragment(
        request, "margint/partials/_members_table.html", context, event=event, detail={"id": membership.pk}
    )


def _member_refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    message = " ".join(exc.messages)
    if not request.htmx:
        messages.error(request, message)
        return redirect("members")
    return render(request, "margint/partials/_members_table.html", _members_context(request, error=message))


@never_cache
@require_POST
@member_required(role=Role.ADMIN)
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        return _member_refused(request, ValidationError("Choose a role: viewer, member or admin."))
    try:
        membership = services.membership_change_role(
            org=request.org, membership_id=membership_id, role=form.cleaned_data["role"]
        )
    except Membership.DoesNotExist:
        raise Http404("No such member in this organization.")
    except ValidationError as exc:
        return _member_refused(request, exc)
    note = f"{membership.user.email} is now {membership.get_role_display().lower()}."
    return _after_member_change(request, membership, event="memberChanged", note=note)


@never_cache
@require_POST
@member_required(role=Role.ADMIN)
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    try:
        membership = services.membership_remove(org=request.org, membership_id=membership_id)
    except Membership.DoesNotExist:
        raise Http404("No such member in this organization.")
    except ValidationError as exc:
        return _member_refused(request, exc)
    note = f"{membership.user.email} was removed from {request.org.name}."
    return _after_member_change(request, membership, event="memberRemoved", note=note)
