from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from margint.models import Organization

VALID = {
    "name": "Acme AI Labs",
    "reporting_currency": "eur",
    "healthy_threshold": "60",
    "moderate_threshold": "25",
    "at_risk_threshold": "5",
}


@pytest.fixture(autouse=True)
def rates(fx_rates):
    """Currencies with exchange rates: the sample file's (EUR, USD, GBP, JPY, CHF)."""


def test_admin_sees_the_form_filled_with_current_settings(admin):
    html = admin.page_client().get("/settings/").content.decode()
    assert 'name="name" value="Acme AI"' in html
    assert 'name="reporting_currency" value="USD"' in html
    assert 'name="healthy_threshold" value="50"' in html
    assert 'hx-post="/settings/"' in html and 'action="/settings/"' in html


def test_a_plain_post_saves_and_redirects_back_with_a_message(admin, org):
    response = admin.page_client().post("/settings/", VALID, follow=True)
    assert response.redirect_chain == [("/settings/", 302)]
    assert "Settings saved." in response.content.decode()
    org.refresh_from_db()
    assert (org.name, org.reporting_currency) == ("Acme AI Labs", "eur")
    assert (org.healthy_threshold, org.moderate_threshold, org.at_risk_threshold) == (
        Decimal("60"),
        Decimal("25"),
        Decimal("5"),
    )


def test_an_htmx_post_answers_with_the_form_fragment_and_an_event(admin, org):
    response = admin.page_client().post("/settings/", VALID, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="settings-form"') and "<html" not in html
    assert "Settings saved." in html
    assert response["HX-Trigger"] == '{"orgSettingsChanged": {}}'


def test_thresholds_out_of_order_show_the_error_next_to_the_field_and_change_nothing(admin, org):
    response = admin.page_client().post(
        "/settings/", {**VALID, "moderate_threshold": "70"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps only 2xx answers
    field = html.split('id="id_moderate_threshold_error"')[1].split("</p>")[0]
    assert "Must not be above the healthy threshold (60.0%)." in field
    moderate_input = html.split('name="moderate_threshold"')[1].split(">")[0]
    assert 'aria-invalid="true"' in moderate_input and "autofocus" in moderate_input
    assert html.count("autofocus") == 1
    org.refresh_from_db()
    assert (org.name, org.moderate_threshold) == ("Acme AI", Decimal("20"))


def test_a_plain_post_with_errors_is_a_400_page_with_the_errors(admin):
    response = admin.page_client().post(
        "/settings/", {**VALID, "at_risk_threshold": "150", "reporting_currency": "EURO"}
    )
    html = response.content.decode()
    assert response.status_code == 400 and "<html" in html
    assert (
        "Ensure this value is less than or equal to 100." in html.split('id="id_at_risk_threshold_error"')[1]
    )
    assert "Use a three-letter ISO currency code" in html.split('id="id_reporting_currency_error"')[1]


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_non_admins_get_the_forbidden_page_for_reads_and_writes(request, persona, org):
    client = request.getfixturevalue(persona).page_client()
    assert client.get("/settings/").status_code == 403
    response = client.post("/settings/", VALID)
    assert response.status_code == 403 and "Not allowed" in response.content.decode()
    org.refresh_from_db()
    assert org.name == "Acme AI"


def test_free_org_admin_gets_the_upgrade_page(free_admin, free_org):
    response = free_admin.page_client().post("/settings/", VALID)
    assert response.status_code == 403 and "This is a Pro feature" in response.content.decode()
    free_org.refresh_from_db()
    assert free_org.name == "Tiny Free Co"


def test_outsider_post_changes_only_their_own_org(outsider, org, other_org):
    assert outsider.page_client().post("/settings/", VALID).status_code == 302
    org.refresh_from_db()
    assert org.name == "Acme AI"
    assert Organization.objects.get(pk=other_org.pk).name == "Acme AI Labs"


def test_a_post_without_the_csrf_token_is_refused(admin, org):
    client = admin.page_client(enforce_csrf_checks=True)
    assert client.post("/settings/", VALID).status_code == 403
    org.refresh_from_db()
    assert org.name == "Acme AI"


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get("/settings/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/settings/"


def test_a_currency_without_rates_is_an_error_next_to_the_field(admin, org):
    response = admin.page_client().post("/settings/", {**VALID, "reporting_currency": "sek"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "SEK has no exchange rates" in html
    org.refresh_from_db()
    assert org.reporting_currency == "usd"


def test_a_change_of_currency_shows_the_conversion_in_progress_then_done(
    admin, org, django_capture_on_commit_callbacks
):
    admin.page_client().post("/settings/", VALID)  # the conversion is queued, not run yet

    html = admin.page_client().get("/settings/").content.decode()
    assert "Converting every amount from USD to EUR: 0%" in html and 'hx-trigger="every 2s"' in html

    with django_capture_on_commit_callbacks(execute=True):
        admin.page_client().post("/settings/", {**VALID, "reporting_currency": "usd"})

    html = admin.page_client().get("/settings/").content.decode()
    assert "Every amount was converted from EUR to USD" in html and "every 2s" not in html


def test_saving_the_same_currency_converts_nothing(admin, org):
    admin.page_client().post("/settings/", {**VALID, "reporting_currency": "usd"})

    assert "currency-rebuild" not in admin.page_client().get("/settings/").content.decode()
