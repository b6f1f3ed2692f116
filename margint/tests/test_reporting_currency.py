"""A reporting currency is an ISO 4217 code Margint reports in; anything else is a 400."""

from __future__ import annotations

import pytest

from margint.models import Organization


@pytest.mark.parametrize("code", ["XYZ", "AAA", "ZZZ", "XAU", "XTS"])
def test_garbage_codes_are_refused(admin, code):
    response = admin.client().patch("/api/org", {"reportingCurrency": code}, format="json")
    assert response.status_code == 400
    assert "ISO 4217" in response.json()["error"]["message"]
    assert Organization.objects.get(pk=admin.org.pk).reporting_currency != code.lower()


@pytest.mark.parametrize("code", ["eur", "JPY"])
def test_real_codes_with_exchange_rates_are_taken(admin, code, fx_rates):
    assert admin.client().patch("/api/org", {"reportingCurrency": code}, format="json").status_code == 200
    assert Organization.objects.get(pk=admin.org.pk).reporting_currency == code.lower()


def test_an_outsider_cannot_change_it(admin, outsider):
    outsider.client().patch("/api/org", {"reportingCurrency": "eur"}, format="json")
    assert Organization.objects.get(pk=admin.org.pk).reporting_currency == "usd"
