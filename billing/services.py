"""Writes of the Stripe connection: connect (key checked, stored encrypted) and disconnect (cascade)."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction

from billing import signals
from billing.models import (
    RevenueAllocation,
    RevenueDaily,
    StripeConnection,
    StripeCreditNote,
    StripeCustomer,
    StripeInvoice,
    StripeInvoiceLine,
    StripeSubscription,
    StripeSubscriptionItem,
    StripeWebhookEvent,
    SyncRun,
)
from billing.stripe_gateway import StripeAuthFailed, StripeGateway, StripeNotFound
from margint.crypto import decrypt, encrypt
from margint.fx.models import CurrencyRebuild
from margint.models import Organization

_KEY_BODY = re.compile(r"^[A-Za-z0-9_]{20,255}$")
_WEBHOOK_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/=_-]{8,255}$")
MASK_HEAD, MASK_TAIL = 12, 4


class InvalidStripeKey(ValueError):
    """The key's format is not accepted (validation_error)."""


class StripeKeyRejected(Exception):
    """Stripe refused the key (stripe_validation_failed)."""


class StripeAlreadyConnected(Exception):
    pass


def stripe_key_validate(key: str) -> str:
    """A restricted key (rk_); a secret test key (sk_test_) only outside production."""
    key = (key or "").strip()
    allowed = ("rk_",) if settings.IS_PRODUCTION else ("rk_", "sk_test_")
    if not key.startswith(allowed):
        wanted = "a restricted key (rk_...)" + ("" if settings.IS_PRODUCTION else " or a test secret key")
        raise InvalidStripeKey(f"The Stripe key must be {wanted}.")
    if not _KEY_BODY.match(key):
        raise InvalidStripeKey("The Stripe key is not well formed.")
    return key


def webhook_secret_validate(secret: str) -> str:
    secret = (secret or "").strip()
    if not _WEBHOOK_SECRET.match(secret):
        raise InvalidStripeKey("The webhook signing secret must start with whsec_.")
    return secret


def key_mask(key: str) -> str:
    """rk_live_abcd...wxyz: enough to recognize a key, never enough to use it."""
    return f"{key[:MASK_HEAD]}...{key[-MASK_TAIL:]}"


def stripe_connect(
    *, org: Organization, stripe_key: str, webhook_secret: str = "", start_sync: bool = True
) -> StripeConnection:
    """Check the key with one customers.list(limit=1), then store it encrypted.

    Raises InvalidStripeKey, StripeKeyRejected, StripeAlreadyConnected, or StripeUnavailable when
    Stripe cannot be reached. With `start_sync`, the first sync is queued once the row is committed.
    """
    key = stripe_key_validate(stripe_key)
    secret = webhook_secret_validate(webhook_secret) if webhook_secret else ""
    if StripeConnection.objects.filter(org=org).exists():
        raise StripeAlreadyConnected("Stripe is already connected; disconnect it first.")
    try:
        StripeGateway(key).check_key()
    except StripeAuthFailed as error:
        raise StripeKeyRejected(str(error)) from None
    try:
        with transaction.atomic():
            connection = StripeConnection.objects.create(
                org=org,
                encrypted_key=encrypt(key),
                key_prefix=key_mask(key),
                encrypted_webhook_secret=encrypt(secret) if secret else "",
            )
            if start_sync:
                transaction.on_commit(lambda: _enqueue_sync(org))
    except IntegrityError:
        raise StripeAlreadyConnected("Stripe is already connected; disconnect it first.") from None
    return connection


def _enqueue_sync(org: Organization) -> None:
    from billing.tasks import revenue_sync_org

    revenue_sync_org.delay(str(org.pk), "connect")


def revenue_rebuild_enqueue(*, rebuild: CurrencyRebuild) -> None:
    """After the settings commit, convert every revenue document into the new currency."""
    from billing.tasks import revenue_rebuild_run

    transaction.on_commit(lambda: revenue_rebuild_run.delay(str(rebuild.pk)))


class StripeNotConnectedError(Exception):
    pass


class StripeAccountMismatch(Exception):
    """A replacement key of another Stripe account than the connected one."""


def stripe_key_replace(*, org: Organization, stripe_key: str) -> StripeConnection:
    """Replace the connection's key by a new key of the SAME Stripe account, keeping everything else.

    Mirrors, revenue, mappings and sync history belong to the account, not to the key, so they
    stay. The account is the one GET /v1/account names for each key; when the current key no
    longer answers (revoked, the usual reason to rotate), the new key must see a customer
    already mirrored (customer ids are unique to one account). Raises InvalidStripeKey,
    StripeKeyRejected, StripeNotConnectedError, StripeAccountMismatch (with the reason) or
    StripeUnavailable. The key is stored encrypted and never returned.
    """
    key = stripe_key_validate(stripe_key)
    connection = StripeConnection.objects.filter(org=org).first()
    if connection is None:
        raise StripeNotConnectedError("Stripe is not connected; connect it instead.")
    try:
        new_account = StripeGateway(key).account_id()
    except StripeAuthFailed as error:
        raise StripeKeyRejected(str(error)) from None
    try:
        current = StripeGateway(decrypt(connection.encrypted_key)).account_id()
    except StripeAuthFailed:
        current = None
    if current is not None and current != new_account:
        raise StripeAccountMismatch(
            f"This key belongs to Stripe account {new_account}, but the connected account is {current}. "
            "A replacement key must come from the same account; to switch accounts, disconnect first."
        )
    if current is None and not _sees_mirrored_customer(org, key):
        raise StripeAccountMismatch(
            f"This key belongs to Stripe account {new_account}, which does not hold the customers "
            "already synced. A replacement key must come from the same account."
        )
    with transaction.atomic():
        connection = StripeConnection.objects.select_for_update().get(pk=connection.pk)
        connection.encrypted_key = encrypt(key)
        connection.key_prefix = key_mask(key)
        connection.status = StripeConnection.Status.ACTIVE
        connection.last_error = ""
        connection.save(update_fields=["encrypted_key", "key_prefix", "status", "last_error", "updated_at"])
    return connection


def _sees_mirrored_customer(org: Organization, key: str) -> bool:
    """True when the key's account holds a customer already mirrored, or nothing is mirrored yet."""
    mirrored = StripeCustomer.objects.filter(org=org).order_by("id").values_list("stripe_id", flat=True)[:1]
    if not mirrored:
        return True
    try:
        StripeGateway(key).retrieve_customer(mirrored[0])
    except StripeNotFound:
        return False
    return True


def stripe_webhook_secret_set(*, org: Organization, webhook_secret: str) -> StripeConnection:
    """Store (or replace) the signing secret of the org's Stripe webhook endpoint, encrypted.

    Raises InvalidStripeKey for a malformed secret, StripeNotConnectedError without a connection.
    """
    secret = webhook_secret_validate(webhook_secret)
    connection = StripeConnection.objects.filter(org=org).first()
    if connection is None:
        raise StripeNotConnectedError("Connect Stripe before adding its webhook signing secret.")
    connection.encrypted_webhook_secret = encrypt(secret)
    connection.save(update_fields=["encrypted_webhook_secret", "updated_at"])
    return connection


@transaction.atomic
def stripe_disconnect(*, org: Organization) -> bool:
    """Remove the connection and, in this one transaction, every revenue row, Stripe mirror,
    webhook event, sync run and customer mapping of the org. False when nothing was connected."""
    connection = StripeConnection.objects.select_for_update().filter(org=org).first()
    if connection is None:
        return False
    # Children before parents, so each delete is one statement without cascading collection.
    for model in (
        RevenueDaily,
        RevenueAllocation,
        StripeInvoiceLine,
        StripeInvoice,
        StripeCreditNote,
        StripeSubscriptionItem,
        StripeSubscription,
        StripeCustomer,
        StripeWebhookEvent,
        # A failed run's cursor must not be resumed against whatever account connects next.
        SyncRun,
    ):
        model.objects.filter(org=org).delete()
    signals.stripe_disconnecting.send(sender=None, org=org)
    connection.delete()
    return True
