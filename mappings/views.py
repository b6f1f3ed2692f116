"""The dashboard's mappings page: the unmatched queue, auto-matches awaiting review, every mapping,
and the form that maps a Stripe customer to a tag value.

Reads and writes go through the selectors and services the mappings API uses, with its roles:
every member of a Pro organization reads; admins map, confirm, reject and delete; members and
admins run auto-matching. A change answers HTMX with the new lists (or form) and the
`mappingsChanged` event, and a plain POST with a redirect back to the page.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mappings import selectors, services
from mappings.models import ChangeSource, CustomerMapping
from mappings.validators import identifier_problem
from margint.decorators import member_required
from margint.forms import add_service_errors, focus_first_error
from margint.htmx import invalid_form_status, mutation_fragment, page_or_partial
from margint.models import Role

PAGE = "mappings/mappings.html"
LISTS = "mappings/partials/_lists.html"
TABLE = "mappings/partials/_mappings_table.html"
FORM = "mappings/partials/_map_form.html"
SUGGESTIONS = "mappings/partials/_suggestions.html"
PAGE_SIZE = 50
QUEUE_ROWS = 25  # of each unmatched list, largest first; the API lists them all
EVENT = "mappingsChanged"  # after a change made from the lists, which answer with the new lists
CREATED_EVENT = "mappingCreated"  # after the form: the lists listen for it and fetch themselves


class MapForm(forms.Form):
    stripe_customer_id = forms.CharField(
        label="Stripe customer",
        help_text="Its id (cus_…); type a name or email to find it.",
        widget=forms.TextInput(
            attrs={"list": "stripe-suggestions", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    tag_value = forms.CharField(
        label="Customer tag",
        help_text="The customer id your cost events carry.",
        widget=forms.TextInput(
            attrs={"list": "tag-suggestions", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        url = reverse("mapping-suggestions")
        for name, side in (("stripe_customer_id", "stripe"), ("tag_value", "tag")):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": f"{url}?side={side}",
                    "hx-trigger": "input changed delay:250ms",
                    "hx-target": f"#{side}-suggestions",
                    "hx-swap": "outerHTML",
                    "hx-sync": "this:replace",
                }
            )

    def _identifier(self, name: str) -> str:
        value = self.cleaned_data[name]
        problem = identifier_problem(value)
        if problem is not None:
            raise forms.ValidationError(problem)
        return value

    def clean_stripe_customer_id(self) -> str:
        return self._identifier("stripe_customer_id")

    def clean_tag_value(self) -> str:
        return self._identifier("tag_value")


TABS = ("queue", "review", "all")
CONFIDENT = Decimal("0.9")  # "confirm every suggestion at or above": the pending threshold


def _tab(request: HttpRequest, queue: selectors.UnmatchedQueue) -> str:
    """The tab asked for; by default the review while anything awaits it, else the queue."""
    asked = request.GET.get("tab")
    if asked in TABS:
        return asked
    return "review" if queue.pending_auto_matches else "queue"


def _querystring(request: HttpRequest) -> str:
    """The tab and the mappings table's search and page, as the page was asked for (kept across changes)."""
    params = QueryDict(mutable=True)
    for name in ("tab", "q", "page"):
        if request.GET.get(name):
            params[name] = request.GET[name]
    return params.urlencode()


def _table_context(request: HttpRequest) -> dict:
    q = request.GET.get("q", "").strip()[:200]
    paginator = Paginator(selectors.mappings_matching(org=request.org, q=q), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    names = selectors.customer_names(org=request.org, stripe_ids={m.stripe_customer_id for m in page})
    histories = selectors.mapping_histories(org=request.org, mapping_ids=[m.pk for m in page])
    return {
        "q": q,
        "page": page,
        "mapping_rows": [(m, names.get(m.stripe_customer_id), histories.get(m.pk, [])) for m in page],
        "previous_qs": _page_qs(q, page.previous_page_number()) if page.has_previous() else "",
        "next_qs": _page_qs(q, page.next_page_number()) if page.has_next() else "",
    }


def _page_qs(q: str, number: int) -> str:
    params = QueryDict(mutable=True)
    params["tab"] = "all"
    if q:
        params["q"] = q
    if number > 1:
        params["page"] = str(number)
    return params.urlencode()


def _context(request: HttpRequest, **extra) -> dict:
    queue = selectors.unmatched_queue(org=request.org, as_of=timezone.now())
    confident = [
        p for p in queue.pending_auto_matches if p.confidence is not None and p.confidence >= CONFIDENT
    ]
    return {
        "tab": _tab(request, queue),
        "confident_count": len(confident),
        "org": request.org,
        "currency": request.org.reporting_currency,
        "queue": queue,
        "stripe_rows": queue.unmatched_stripe_customers[:QUEUE_ROWS],
        "tag_rows": queue.unmapped_tag_values[:QUEUE_ROWS],
        "queue_rows": QUEUE_ROWS,
        "can_change": request.membership.has_role(Role.ADMIN),
        "can_automatch": request.membership.has_role(Role.MEMBER),
        "qs": _querystring(request),
        **_table_context(request),
        **extra,
    }


def _form_context(request: HttpRequest, form: MapForm) -> dict:
    return {
        "form": form,
        "stripe_suggestions": selectors.mapping_suggestions(org=request.org, side="stripe", q=""),
        "tag_suggestions": selectors.mapping_suggestions(org=request.org, side="tag", q=""),
    }


def _back(request: HttpRequest, note: str) -> HttpResponse:
    messages.success(request, note)
    qs = _querystring(request)
    return redirect(f"{reverse('mappings')}?{qs}" if qs else reverse("mappings"))


def _changed(request: HttpRequest, note: str) -> HttpResponse:
    """After a change from the lists: the lists again (HTMX) or the page (a plain POST)."""
    if not request.htmx:
        return _back(request, note)
    return mutation_fragment(request, LISTS, _context(request, notice=note), event=EVENT)


@require_GET
@member_required(pro=True)
def mappings_page(request: HttpRequest) -> HttpResponse:
    """The page; for HTMX the lists, or only the mappings table when that is the target."""
    if request.htmx and request.htmx.target == "mappings-table":
        return render(
            request, TABLE, {"can_change": request.membership.has_role(Role.ADMIN), **_table_context(request)}
        )
    initial = {"stripe_customer_id": request.GET.get("stripe", ""), "tag_value": request.GET.get("tag", "")}
    context = _context(request, **_form_context(request, MapForm(initial=initial)))
    return page_or_partial(request, PAGE, LISTS, context)


@require_POST
@member_required(role=Role.ADMIN, pro=True)
def mapping_create(request: HttpRequest) -> HttpResponse:
    form = MapForm(request.POST)
    mapping = None
    if form.is_valid():
        try:
            mapping, created = services.mapping_upsert(
                org=request.org,
                stripe_customer_id=form.cleaned_data["stripe_customer_id"],
                tag_value=form.cleaned_data["tag_value"],
                actor=request.user,
                source=ChangeSource.DASHBOARD,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if mapping is None:
        focus_first_error(form)
        context = _context(request, **_form_context(request, form))
        return page_or_partial(request, PAGE, FORM, context, status=invalid_form_status(request))
    note = f"{mapping.stripe_customer_id} {'is mapped' if created else 'now maps'} to {mapping.tag_value}."
    if not request.htmx:
        return _back(request, note)
    context = {**_form_context(request, MapForm()), "notice": note}
    return mutation_fragment(request, FORM, context, event=CREATED_EVENT, detail={"id": str(mapping.pk)})


def _mapping(request: HttpRequest, mapping_id: str) -> CustomerMapping:
    mapping = selectors.mapping_for_org(org=request.org, mapping_id=mapping_id)
    if mapping is None:
        raise Http404("No customer mapping with this id in this organization.")
    return mapping


@require_POST
@member_required(role=Role.ADMIN, pro=True)
def mapping_confirm(request: HttpRequest, mapping_id: str) -> HttpResponse:
    mapping = _mapping(request, mapping_id)
    try:
        services.mapping_confirm(mapping=mapping, actor=request.user, source=ChangeSource.DASHBOARD)
    except CustomerMapping.DoesNotExist:
        raise Http404("This mapping was deleted meanwhile.")
    return _changed(request, f"Confirmed: {mapping.stripe_customer_id} → {mapping.tag_value}.")


@require_POST
@member_required(role=Role.ADMIN, pro=True)
def mappings_confirm_confident(request: HttpRequest) -> HttpResponse:
    """Confirm every auto-match awaiting review with confidence 0.9 or more, each with its audit row."""
    confirmed = services.mappings_confirm_confident(
        org=request.org, at_least=CONFIDENT, actor=request.user, source=ChangeSource.DASHBOARD
    )
    return _changed(
        request, f"Confirmed {confirmed} auto-match{'es' if confirmed != 1 else ''} of 0.9 or more."
    )


@require_POST
@member_required(role=Role.ADMIN, pro=True)
def mapping_reject(request: HttpRequest, mapping_id: str) -> HttpResponse:
    mapping = _mapping(request, mapping_id)
    try:
        services.mapping_reject(mapping=mapping, actor=request.user, source=ChangeSource.DASHBOARD)
    except CustomerMapping.DoesNotExist:
        raise Http404("This mapping was deleted meanwhile.")
    note = f"Rejected: {mapping.stripe_customer_id} → {mapping.tag_value}; it will not be proposed again."
    return _changed(request, note)


@require_http_methods(["GET", "POST"])
@member_required(role=Role.ADMIN, pro=True)
def mapping_delete(request: HttpRequest, mapping_id: str) -> HttpResponse:
    """GET: the confirmation page (without JavaScript); POST: delete (htmx asks to confirm first)."""
    mapping = _mapping(request, mapping_id)
    if request.method == "GET":
        names = selectors.customer_names(org=request.org, stripe_ids=[mapping.stripe_customer_id])
        context = {
            "mapping": mapping,
            "name": names.get(mapping.stripe_customer_id),
            "qs": _querystring(request),
        }
        return render(request, "mappings/delete.html", context)
    if not services.mapping_delete(mapping=mapping, actor=request.user, source=ChangeSource.DASHBOARD):
        raise Http404("This mapping was deleted meanwhile.")
    return _changed(request, f"Deleted: {mapping.stripe_customer_id} → {mapping.tag_value}.")


@require_POST
@member_required(role=Role.MEMBER, pro=True)
def automatch(request: HttpRequest) -> HttpResponse:
    result = services.automatch_run(org=request.org, as_of=timezone.now())
    if result.created:
        note = (
            f"Auto-matching proposed {result.created}: {result.pending} counting while awaiting review, "
            f"{result.suggested} suggested."
        )
    else:
        note = "Auto-matching found nothing new to propose."
    return _changed(request, note)


@require_GET
@member_required(pro=True)
def suggestions(request: HttpRequest) -> HttpResponse:
    """Type-ahead options (a <datalist>) for one side of the mapping form, from what is typed there."""
    side = "stripe" if request.GET.get("side") == "stripe" else "tag"
    field = "stripe_customer_id" if side == "stripe" else "tag_value"
    found = selectors.mapping_suggestions(org=request.org, side=side, q=request.GET.get(field, ""))
    return render(request, SUGGESTIONS, {"side": side, "suggestions": found})
