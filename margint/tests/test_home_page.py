from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import Client
from django.utils import timezone

from margins.models import Customer, CustomerDailyCost


def _client(persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def _cost(org, day, micro):
    customer, _ = Customer.objects.get_or_create(
        org=org,
        external_id="acme",
        defaults={
            "first_seen_at": datetime(2026, 1, 1, tzinfo=UTC),
            "last_seen_at": datetime(2026, 1, 1, tzinfo=UTC),
        },
    )
    CustomerDailyCost.objects.create(org=org, customer=customer, day=day, cost_micro=micro, request_count=1)


def test_overview_shows_month_to_date_cost_in_the_reporting_currency(admin, org):
    today = timezone.now().date()
    _cost(org, today, 1_234_567_890)
    _cost(org, today.replace(day=1) - timedelta(days=1), 5_000)
    org.reporting_currency = "eur"
    org.save()
    html = _client(admin).get("/").content.decode()
    assert "€1,234.57" in html
    assert "<$0.01" not in html and "&lt;€0.01" in html  # last month's fraction of a cent
    assert "Send AI cost events" in html and 'class="done"' in html
    assert "Not connected" in html and 'href="/stripe/"' in html


def test_free_org_overview_has_no_pro_facts_and_points_to_upgrade(free_admin):
    html = _client(free_admin).get("/").content.decode()
    assert "Stripe revenue, " not in html and "Mapped customers" not in html
    assert 'href="/upgrade/"' in html


def test_overview_of_a_viewer_offers_no_admin_pages(viewer):
    html = _client(viewer).get("/").content.decode()
    assert "/settings/api-keys/" not in html and "An admin creates the API key" in html
    # The Stripe page is in the navigation (viewers read its status), not in the admin's step.
    steps = html.split('class="steps"')[1].split("</ol>")[0]
    assert 'href="/stripe/"' not in steps and "An admin connects it." in steps


def test_overview_reads_a_fixed_number_of_queries(admin, org, django_assert_max_num_queries):
    client = _client(admin)
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200
