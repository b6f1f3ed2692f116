from __future__ import annotations

import pytest

from publicapi.notifications.urlguard import UnsafeWebhookUrl, is_public, resolve


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_private_loopback_link_local_and_friends_are_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_public(address):
    assert is_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "https://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/",
        "http://0x7f000001/",
    ],
)
def test_production_refuses_urls_that_resolve_to_private_addresses(settings, url):
    settings.IS_PRODUCTION = True
    with pytest.raises(UnsafeWebhookUrl, match="non-public address"):
        resolve(url)


def test_outside_production_loopback_is_allowed(settings):
    settings.IS_PRODUCTION = False
    target = resolve("http://127.0.0.1:9000/hooks/x?y=1")
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "http",
        "127.0.0.1",
        9000,
        "/hooks/x?y=1",
        "127.0.0.1",
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "absolute http"),
        ("/relative/path", "absolute http"),
        ("https://user:pw@example.com/", "credentials"),
        ("http://example.com:99999/", "invalid port"),
    ],
)
def test_malformed_urls_are_refused_everywhere(url, message):
    with pytest.raises(UnsafeWebhookUrl, match=message):
        resolve(url)


def test_new_endpoints_are_only_parsed_outside_production(settings):
    from publicapi.notifications.urlguard import UnresolvableHost, check

    settings.IS_PRODUCTION = False
    check("https://hooks.example.invalid/margint")  # no lookup in development
    settings.IS_PRODUCTION = True
    with pytest.raises(UnresolvableHost, match="does not resolve"):
        check("https://hooks.example.invalid/margint")
