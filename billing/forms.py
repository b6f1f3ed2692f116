"""Forms of the Stripe page. They check shapes with the services' own validators, so a malformed
key is named next to its field; the services stay the authority (connect checks the key again)."""

from __future__ import annotations

from django import forms

from billing.services import InvalidStripeKey, stripe_key_validate, webhook_secret_validate

DISCONNECT_WORD = "disconnect"


def _secret_input(placeholder: str) -> forms.PasswordInput:
    # PasswordInput never renders a submitted value back: a key sent with an error elsewhere
    # is not echoed into the page.
    return forms.PasswordInput(
        attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": placeholder}
    )


def _checked(validate, value: str) -> str:
    """A service validator's verdict as a field error."""
    try:
        return validate(value)
    except InvalidStripeKey as error:
        raise forms.ValidationError(str(error)) from None


class StripeConnectForm(forms.Form):
    stripe_key = forms.CharField(
        label="Stripe key",
        max_length=255,
        help_text="A restricted key (rk_…) with read access to customers, subscriptions, invoices "
        "and credit notes. It is stored encrypted and never shown again in full.",
        widget=_secret_input("rk_live_…"),
    )
    webhook_secret = forms.CharField(
        label="Webhook signing secret",
        max_length=255,
        required=False,
        help_text="Optional: the whsec_… secret of the Stripe webhook endpoint below.",
        widget=_secret_input("whsec_…"),
    )

    def clean_stripe_key(self) -> str:
        return _checked(stripe_key_validate, self.cleaned_data["stripe_key"])

    def clean_webhook_secret(self) -> str:
        secret = self.cleaned_data["webhook_secret"].strip()
        return _checked(webhook_secret_validate, secret) if secret else ""


class ReplaceKeyForm(forms.Form):
    stripe_key = forms.CharField(
        label="New Stripe key",
        max_length=255,
        help_text="A new restricted key of the SAME Stripe account. Mirrors, revenue and mappings "
        "are kept; a key of another account is refused.",
        widget=_secret_input("rk_live_…"),
    )

    def clean_stripe_key(self) -> str:
        return _checked(stripe_key_validate, self.cleaned_data["stripe_key"])


class WebhookSecretForm(forms.Form):
    webhook_secret = forms.CharField(
        label="Webhook signing secret",
        max_length=255,
        help_text="From the endpoint's page in Stripe (Developers, Webhooks): whsec_…",
        widget=_secret_input("whsec_…"),
    )

    def clean_webhook_secret(self) -> str:
        return _checked(webhook_secret_validate, self.cleaned_data["webhook_secret"])


class DisconnectForm(forms.Form):
    confirm = forms.CharField(
        label=f"Type “{DISCONNECT_WORD}” to confirm",
        max_length=50,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed.casefold() != DISCONNECT_WORD:
            raise forms.ValidationError(f"Type “{DISCONNECT_WORD}” to confirm; nothing was deleted.")
        return typed
