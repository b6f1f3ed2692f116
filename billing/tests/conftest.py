"""Fixtures of the revenue side: a Stripe double served on loopback, and an org connected to it."""

from __future__ import annotations

import pytest

from billing.services import stripe_connect
from stripe_double import DEFAULT_API_KEY, StripeDataset, serve

WEBHOOK_SECRET = "whsec_margint_test_signing_secret_0001"


@pytest.fixture(autouse=True)
def quick_stripe_retries(settings):
    """Real retries, short waits: the gateway's backoff starts at 1 ms in tests."""
    settings.STRIPE_RETRY_BACKOFF_SECONDS = 0.001
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_RETRIES = 3
    settings.STRIPE_TIMEOUT_SECONDS = 5
    # Scenario dates are fixed; a long lookback keeps them inside the first sync's window.
    settings.STRIPE_SYNC_LOOKBACK_MONTHS = 600


@pytest.fixture
def stripe_account() -> StripeDataset:
    return StripeDataset()


@pytest.fixture
def stripe_server(stripe_account, settings):
    server = serve(stripe_account)
    settings.STRIPE_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture
def connection(org, stripe_server):
    """`org` connected to the double through the real connect service (key checked, encrypted)."""
    return stripe_connect(
        org=org, stripe_key=DEFAULT_API_KEY, webhook_secret=WEBHOOK_SECRET, start_sync=False
    )
