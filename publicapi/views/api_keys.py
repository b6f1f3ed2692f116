"""Dashboard pages of the public API: workspace API keys (list, create with the secret shown once, revoke)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from margint.decorators import member_required
from margint.forms import focus_first_error
from margint.htmx import invalid_form_status, mutation_fragment, page_or_partial
from margint.models import Organization, Role
from publicapi.keys import VALID_SCOPES, api_key_create, api_key_revoke
from publicapi.models import ApiKey

PAGE = "publicapi/api_keys.html"
TABLE = "publicapi/partials/_api_keys_table.html"
CREATE_FORM = "publicapi/partials/_api_key_form.html"


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="Where the key is used, e.g. “backend” or “billing job”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in VALID_SCOPES],
        initial=list(VALID_SCOPES),
        widget=forms.CheckboxSelectMultiple,
        help_text="read: the v1 read endpoints; write: sending cost events and changing budgets.",
        error_messages={"required": "Choose at least one scope."},
    )


def _keys(org: Organization) -> list[ApiKey]:
    """Active keys first, newest first; revoked ones stay listed for the record."""
    keys = ApiKey.objects.filter(org=org).select_related("created_by").order_by("-created_at")
    return sorted(keys, key=lambda key: key.revoked_at is not None)


def _context(request: HttpRequest, **extra) -> dict:
    # api_base: this server's address as the browser reached it, for the curl example of a new key.
    api_base = request.build_absolute_uri("/").rstrip("/")
    return {"org": request.org, "keys": _keys(request.org), "api_base": api_base, **extra}


@never_cache
@require_http_methods(["GET", "POST"])
@member_required(role=Role.ADMIN)
def api_keys(request: HttpRequest) -> HttpResponse:
    """GET: the page (the table alone for HTMX). POST: mint a key and show its secret this once."""
    if request.method == "GET":
        return page_or_partial(request, PAGE, TABLE, _context(request, form=ApiKeyForm()))
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        focus_first_error(form)
        return page_or_partial(
            request, PAGE, CREATE_FORM, _context(request, form=form), status=invalid_form_status(request)
        )
    minted = api_key_create(
        org=request.org,
        name=form.cleaned_data["name"],
        scopes=tuple(form.cleaned_data["scopes"]),
        created_by=request.user,
    )
    # No redirect after this POST: the secret exists only in this response (never_cache keeps it
    # out of caches), so the page answers directly.
    context = _context(request, form=ApiKeyForm(), minted=minted)
    if request.htmx:
        return mutation_fragment(
            request, CREATE_FORM, context, event="apiKeyCreated", detail={"prefix": minted.api_key.prefix}
        )
    return page_or_partial(request, PAGE, CREATE_FORM, context, status=201)


@never_cache
@require_POST
@member_required(role=Role.ADMIN)
def api_key_revoke_view(request: HttpRequest, key_id) -> HttpResponse:
    key = ApiKey.objects.filter(org=request.org, pk=key_id).first()
    if key is None:
        raise Http404("No such API key in this organization.")
    api_key_revoke(api_key=key)
    note = f"Key “{key.name}” ({key.prefix}…) is revoked; requests with it now get 401."
    if not request.htmx:
        messages.success(request, note)
        return redirect("api-keys")
    return mutation_fragment(
        request, TABLE, _context(request, notice=note), event="apiKeyRevoked", detail={"prefix": key.prefix}
    )
