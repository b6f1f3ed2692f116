from __future__ import annotations

from decimal import Decimal

import pytest

from margint.models import Organization


def _patch(persona, body):
    return persona.client().patch("/api/org", body, format="json")


@pytest.fixture(autouse=True)
def rates(fx_rates):
    """Currencies with exchange rates: the sample file's (EUR, USD, GBP, JPY, CHF)."""


def test_admin_changes_thresholds_and_currency(admin, org):
    response = _patch(
        admin, {"healthyThreshold": "60", "moderateThreshold": "25", "reportingCurrency": "EUR"}
    )
    assert response.status_code == 200
    org.refresh_from_db()
    assert (org.healthy_threshold, org.moderate_threshold) == (Decimal("60"), Decimal("25"))
    assert org.reporting_currency == "eur"
    assert response.json()["data"]["thresholds"]["healthy"] == 60.0


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_non_admins_cannot_change_settings(request, persona, org):
    response = _patch(request.getfixturevalue(persona), {"healthyThreshold": "70"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    org.refresh_from_db()
    assert org.healthy_threshold == Decimal("50")


def test_free_tier_admin_gets_forbidden_with_an_upgrade_pointer(free_admin, free_org):
    response = _patch(free_admin, {"healthyThreshold": "70"})
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden"
    assert error["details"] == {"requiredTier": "pro", "currentTier": "free", "upgradeUrl": "/upgrade/"}


def test_thresholds_out_of_order_are_rejected_and_nothing_changes(admin, org):
    response = _patch(admin, {"healthyThreshold": "10", "moderateThreshold": "20"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    org.refresh_from_db()
    assert (org.healthy_threshold, org.moderate_threshold) == (Decimal("50"), Decimal("20"))


def test_threshold_beyond_100_names_the_field(admin):
    response = _patch(admin, {"atRiskThreshold": "150"})
    assert response.status_code == 400
    assert "atRiskThreshold" in response.json()["error"]["details"]["fields"]


def test_outsider_patch_touches_only_their_own_org(outsider, org, other_org):
    assert _patch(outsider, {"name": "Renamed"}).status_code == 200
    org.refresh_from_db()
    assert org.name == "Acme AI"
    assert Organization.objects.get(pk=other_org.pk).name == "Renamed"


def test_anonymous_patch_is_401(anon, org):
    assert anon.patch("/api/org", {"name": "x"}, format="json").status_code == 401


def test_a_currency_without_exchange_rates_is_refused_and_changes_nothing(admin, org):
    response = _patch(admin, {"reportingCurrency": "SEK", "healthyThreshold": "70"})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "SEK has no exchange rates: choose one of CHF, EUR, GBP, JPY, USD, or import rates first."
    )
    org.refresh_from_db()
    assert (org.reporting_currency, org.healthy_threshold) == ("usd", Decimal("50"))
