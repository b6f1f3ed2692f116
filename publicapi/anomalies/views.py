"""/settings/anomalies/: an organization's cost anomaly sensitivity (admins of Pro orgs)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from margint.decorators import member_required
from margint.models import Role
from publicapi.anomalies.models import AnomalySettings
from publicapi.anomalies.services import org_sensitivity


class SensitivityForm(forms.Form):
    sensitivity = forms.ChoiceField(
        choices=AnomalySettings.Sensitivity.choices,
        widget=forms.RadioSelect,
        help_text="How far above its usual daily cost a customer's day must be to alert.",
    )


@require_http_methods(["GET", "POST"])
@member_required(role=Role.ADMIN, pro=True)
def anomaly_settings_page(request: HttpRequest) -> HttpResponse:
    form = SensitivityForm(request.POST or None, initial={"sensitivity": org_sensitivity(request.org)})
    if request.method == "POST" and form.is_valid():
        AnomalySettings.objects.update_or_create(
            org=request.org, defaults={"sensitivity": form.cleaned_data["sensitivity"]}
        )
        messages.success(request, "Cost anomaly sensitivity saved.")
        return redirect("anomaly-settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "anomalies/settings.html", {"form": form, "org": request.org}, status=status)
