"""The SSRF guard: IPv6 forms that carry an IPv4 address, the development mode's loopback-only
allowance, and the networks a setting allows; at creation and at each delivery."""

from __future__ import annotations

import ipaddress

import pytest

from publicapi.notifications.models import WebhookEndpoint, WebhookEvent
from publicapi.notifications.services import webhook_delivery_attempt, webhook_endpoint_create
from publicapi.notifications.urlguard import UnsafeWebhookUrl, check, is_public, resolve

EMBEDDED_LOOPBACK = [
    "::127.0.0.1",  # IPv4-compatible
    "::ffff:0:127.0.0.1",  # IPv4-translated (SIIT)
    "64:ff9b::7f00:1",  # NAT64, well-known prefix
    "64:ff9b:1::7f00:1",  # NAT64, local-use prefix
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    "::ffff:169.254.169.254",  # IPv4-mapped metadata address
    "::10.0.0.1",
]


@pytest.mark.parametrize("address", EMBEDDED_LOOPBACK)
def test_ipv6_forms_carrying_a_non_public_ipv4_are_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", EMBEDDED_LOOPBACK)
@pytest.mark.parametrize("production", [True, False])
def test_they_are_refused_in_every_mode(settings, address, production):
    settings.IS_PRODUCTION = production
    with pytest.raises(UnsafeWebhookUrl, match="non-public address"):
        resolve(f"http://[{address}]:9000/hook")


@pytest.mark.parametrize("address", ["2002:808:808::1", "64:ff9b::808:808", "2606:4700:4700::1111"])
def test_forms_carrying_a_public_ipv4_are_public(address):
    assert is_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/h",
        "http://192.168.1.1/h",
        "http://169.254.169.254/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
    ],
)
def test_outside_production_private_and_link_local_are_refused_too(settings, url):
    settings.IS_PRODUCTION = False
    with pytest.raises(UnsafeWebhookUrl):
        check(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/h", "http://[::1]:9000/h"])
def test_outside_production_loopback_is_allowed(settings, url):
    settings.IS_PRODUCTION = False
    check(url)


def test_listed_networks_are_allowed_in_production(settings):
    settings.IS_PRODUCTION = True
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert resolve("http://10.1.2.3:8080/h").address == "10.1.2.3"
    with pytest.raises(UnsafeWebhookUrl):
        resolve("http://192.168.1.1/h")


def test_creation_refuses_an_embedded_loopback_in_production(org, settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(UnsafeWebhookUrl):
        webhook_endpoint_create(org=org, url="http://[64:ff9b::7f00:1]:9000/hook")
    assert not WebhookEndpoint.objects.filter(org=org).exists()


def test_each_delivery_checks_the_address_again_and_sends_nothing(org, webhook_receiver, settings):
    endpoint, _ = webhook_endpoint_create(org=org, url=webhook_receiver.url)
    # An endpoint stored before this guard (or changed in the database) is judged at delivery.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://[::ffff:0:127.0.0.1]:9/hook")
    event = WebhookEvent.objects.create(org=org, type="webhook.test", payload={}, dedupe_key="t1")
    delivery = webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=1)
    assert delivery.error.startswith("Refused: ") and delivery.next_retry_at is None
    assert webhook_receiver.received == []
