"""Dashboard forms of the tenancy core. They check shapes and say which field is wrong; the
services stay the authority on every rule (a form error only saves a round trip)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from margint.formatting import percent
from margint.models import Role

_threshold = dict(
    max_digits=5,
    decimal_places=2,
    min_value=Decimal("-100"),
    max_value=Decimal("100"),
    widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
)


class OrgSettingsForm(forms.Form):
    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    reporting_currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        label="Reporting currency",
        help_text=(
            "A currency with exchange rates. Changing it converts every amount already recorded "
            "(in the background; the progress shows here)."
        ),
        error_messages={"invalid": "Use a three-letter ISO currency code such as USD."},
        widget=forms.TextInput(attrs={"list": "currency-codes", "autocapitalize": "characters", "size": 4}),
    )
    healthy_threshold = forms.DecimalField(
        label="Healthy from (%)", help_text="A margin at or above this is healthy.", **_threshold
    )
    moderate_threshold = forms.DecimalField(
        label="Moderate from (%)", help_text="Below healthy, at or above this.", **_threshold
    )
    at_risk_threshold = forms.DecimalField(
        label="At risk from (%)", help_text="Below this a customer is critical.", **_threshold
    )

    def clean_reporting_currency(self) -> str:
        return self.cleaned_data["reporting_currency"].lower()

    def clean(self) -> dict:
        data = super().clean()
        healthy, moderate, at_risk = (
            data.get("healthy_threshold"),
            data.get("moderate_threshold"),
            data.get("at_risk_threshold"),
        )
        # Tiers are bands from the top down, so each threshold must not exceed the one above it.
        if healthy is not None and moderate is not None and moderate > healthy:
            self.add_error(
                "moderate_threshold", f"Must not be above the healthy threshold ({percent(healthy)})."
            )
        if moderate is not None and at_risk is not None and at_risk > moderate:
            self.add_error(
                "at_risk_threshold", f"Must not be above the moderate threshold ({percent(moderate)})."
            )
        return data


class MemberInviteForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)
    password = forms.CharField(
        required=False,
        label="Initial password",
        help_text="For a new account only; an existing account keeps its password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (others go on top of the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def focus_first_error(form: forms.Form) -> None:
    """Mark the first field with an error `autofocus`: browsers honour it on a full page, and htmx
    moves focus to it after swapping the fragment in, so the keyboard lands where the fix is."""
    for name, field in form.fields.items():
        if name in form.errors:
            field.widget.attrs["autofocus"] = True
            return
