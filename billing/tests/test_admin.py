"""Operators read Stripe data in the admin; the stored key never appears there."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from billing.sync import revenue_sync_run
from billing.tests.accounts import simple_account


def test_every_billing_admin_page_opens_and_no_page_shows_the_encrypted_key(
    db, org, connection, stripe_account
):
    simple_account(stripe_account, invoices=2)
    revenue_sync_run(org=org, trigger="manual")
    operator = get_user_model().objects.create_superuser(
        "ops@margint.test", "ops@margint.test", "x-very-long-1"
    )
    client = Client()
    client.force_login(operator)

    pages = [f"/admin/billing/{name}/" for name in
             ("stripeconnection", "syncrun", "stripecustomer", "stripeinvoice", "stripewebhookevent")]  # fmt: skip
    pages.append(f"/admin/billing/stripeconnection/{connection.pk}/change/")
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert connection.encrypted_key not in response.content.decode()
