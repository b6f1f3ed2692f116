"""The budgets page of the dashboard: every budget with its month-to-date spend; admins add and delete."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from margins.costs.selectors import cost_customer_search, feature_search
from margint.decorators import member_required
from margint.forms import focus_first_error
from margint.htmx import invalid_form_status, mutation_fragment, page_or_partial
from margint.models import Role
from publicapi.budgets.calculations import ACTIONS, SCOPES, target_problems
from publicapi.budgets.selectors import budget_get, org_budget_statuses
from publicapi.budgets.serializers import MAX_LIMIT_CENTS
from publicapi.budgets.services import budget_create, budget_delete

PAGE = "publicapi/budgets.html"
TABLE = "publicapi/partials/_budgets_table.html"
FORM = "publicapi/partials/_budget_form.html"
SUGGESTIONS = "publicapi/partials/_budget_suggestions.html"


# Which target fields each scope asks for; the form shows only those (static/js/margint.js
# follows the scope select; without JavaScript every field shows and the server checks them).
SCOPE_FIELDS = {
    "workspace": (),
    "customer": ("customer",),
    "feature": ("feature",),
    "customer_feature": ("customer", "feature"),
}
SUGGESTION_DAYS = 90
SUGGESTION_LIMIT = 20


def _typeahead(field: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "list": f"budget-{field}-options",
            "autocomplete": "off",
            "spellcheck": "false",
            "hx-get": f"/budgets/suggestions/?field={field}",
            "hx-trigger": "input changed delay:250ms",
            "hx-target": f"#budget-{field}-options",
            "hx-swap": "outerHTML",
            "hx-sync": "this:replace",
        }
    )


class BudgetForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[(s, s.replace("_", " + ")) for s in SCOPES],
        widget=forms.Select(attrs={"data-scope-select": "budget"}),
    )
    customer = forms.CharField(
        max_length=255,
        required=False,
        help_text="The customer id you tag costs with.",
        widget=_typeahead("customer"),
    )
    feature = forms.CharField(max_length=128, required=False, widget=_typeahead("feature"))

    def shown_fields(self) -> tuple[str, ...]:
        """The target fields of the scope chosen (the posted or prefilled one, else the first)."""
        scope = self.data.get("scope") if self.is_bound else self.initial.get("scope")
        return SCOPE_FIELDS.get(scope or SCOPES[0], ("customer", "feature"))

    monthly_limit = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_value=Decimal(MAX_LIMIT_CENTS) / 100,
        max_digits=14,
        decimal_places=2,
        help_text="In the reporting currency.",
    )
    action = forms.ChoiceField(
        choices=[(a, a) for a in ACTIONS], help_text="block: the budget check refuses calls once spent."
    )
    thresholds = forms.CharField(
        initial="80", required=False, help_text="Warning thresholds in percent of the limit, e.g. “50, 80”."
    )

    def clean_thresholds(self) -> list[int]:
        text = self.cleaned_data["thresholds"]
        try:
            values = sorted({int(part) for part in text.replace(" ", "").split(",") if part})
        except ValueError:
            raise forms.ValidationError("Whole numbers separated by commas, e.g. “50, 80”.")
        if any(not 1 <= value <= 99 for value in values) or len(values) > 10:
            raise forms.ValidationError("Up to ten thresholds, each from 1 to 99.")
        return values

    def clean(self) -> dict:
        data = super().clean()
        if "scope" in data:
            customer, feature = data.get("customer", "").strip(), data.get("feature", "").strip()
            for name, message in target_problems(data["scope"], customer, feature).items():
                self.add_error(name, message)
        return data


# What a link may fill the form with (the customer page's "Set as a budget"): a suggestion, which
# the admin still reviews and submits; anything not a choice or too long is left out.
_PREFILL_CHOICES = {"scope": SCOPES, "action": ACTIONS}
_PREFILL_TEXT = {"customer": 255, "feature": 128, "monthly_limit": 20, "thresholds": 40}


def prefilled(query: QueryDict) -> dict[str, str]:
    """The form's initial values from a link's query string."""
    initial = {name: query[name] for name, choices in _PREFILL_CHOICES.items() if query.get(name) in choices}
    initial.update(
        {name: query[name] for name, size in _PREFILL_TEXT.items() if 0 < len(query.get(name, "")) <= size}
    )
    return initial


def _context(request: HttpRequest, **extra) -> dict:
    statuses = org_budget_statuses(org=request.org, today=timezone.now().date())
    return {
        "org": request.org,
        "statuses": statuses,
        "can_change": request.membership.has_role(Role.ADMIN),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@member_required(role=Role.VIEWER, pro=True)
def budgets_page(request: HttpRequest) -> HttpResponse:
    """GET: the page (the table alone for HTMX). POST (admins): add a budget."""
    if request.method == "GET":
        form = BudgetForm(initial=prefilled(request.GET))
        return page_or_partial(request, PAGE, TABLE, _context(request, form=form))
    if not request.membership.has_role(Role.ADMIN):
        raise Http404  # the form is not offered below admin; nothing to say about it either
    form = BudgetForm(request.POST)
    if not form.is_valid():
        focus_first_error(form)
        return page_or_partial(
            request, PAGE, FORM, _context(request, form=form), status=invalid_form_status(request)
        )
    data = form.cleaned_data
    budget = budget_create(
        org=request.org,
        scope=data["scope"],
        customer=data["customer"].strip(),
        feature=data["feature"].strip(),
        monthly_limit_micro=int(data["monthly_limit"] * 1_000_000),  # two decimals: exact
        action=data["action"],
        thresholds=data["thresholds"],
    )
    if request.htmx:
        return mutation_fragment(
            request,
            FORM,
            _context(request, form=BudgetForm()),
            event="budgetCreated",
            detail={"id": str(budget.pk)},
        )
    messages.success(request, "Budget added.")
    return redirect("budgets")


@require_GET
@member_required(role=Role.ADMIN, pro=True)
def budget_suggestions(request: HttpRequest) -> HttpResponse:
    """Type-ahead options (a <datalist>) for the budget form's customer or feature field."""
    field = "feature" if request.GET.get("field") == "feature" else "customer"
    return render(
        request,
        SUGGESTIONS,
        {"field": field, "options": _options(request.org, field, request.GET.get(field, ""))},
    )


def _options(org, field: str, typed: str) -> list[tuple[str, str]]:
    typed = typed.strip()[:128]
    if field == "feature":
        since = timezone.now().date() - timedelta(days=SUGGESTION_DAYS)
        return [(name, "") for name in feature_search(org=org, q=typed, since=since, limit=SUGGESTION_LIMIT)]
    found = cost_customer_search(org=org, q=typed, limit=SUGGESTION_LIMIT)
    return [(c.external_id, " · ".join(filter(None, (c.name, c.email)))) for c in found]


@require_POST
@member_required(role=Role.ADMIN, pro=True)
def budget_delete_view(request: HttpRequest, budget_id) -> HttpResponse:
    budget = budget_get(org=request.org, budget_id=budget_id)
    if budget is None:
        raise Http404("No such budget in this organization.")
    budget_delete(budget=budget)
    if not request.htmx:
        messages.success(request, "Budget deleted.")
        return redirect("budgets")
    return mutation_fragment(
        request, TABLE, _context(request, notice="Budget deleted."), event="budgetDeleted", detail={}
    )
