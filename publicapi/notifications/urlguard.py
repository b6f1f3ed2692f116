"""Where webhooks may go: http(s) URLs, and in production only public addresses.

An org admin chooses the URL and Margint's servers make the request, so in production a URL
that resolves to a private, loopback, link-local (cloud metadata at 169.254.169.254), shared,
reserved or multicast address is refused: at endpoint creation and again at every delivery,
where the request then goes to the very address that was checked (no second DNS lookup that
could answer differently). Outside production loopback is allowed, for local receivers and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeWebhookUrl(ValueError):
    """A webhook URL Margint will not call."""


class UnresolvableHost(UnsafeWebhookUrl):
    """The host does not resolve now; at delivery that is worth another try later."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an absolute http(s) URL without credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhookUrl("The URL must be an absolute http:// or https:// URL.")
    if parts.username or parts.password:
        raise UnsafeWebhookUrl("The URL must not contain credentials.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeWebhookUrl("The URL has an invalid port.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> Target:
    """The URL's parts and the address to connect to; UnsafeWebhookUrl when it must not be called."""
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnresolvableHost(f"The host {host!r} does not resolve: {exc.strerror}.")
    addresses = [info[4][0] for info in infos]
    if settings.IS_PRODUCTION:
        refused = [address for address in addresses if not is_public(address)]
        if refused:
            raise UnsafeWebhookUrl(
                f"The host {host!r} resolves to a non-public address ({refused[0]}); "
                "webhooks go to public addresses only."
            )
    return Target(scheme, host, port, path, addresses[0])


def check(url: str) -> None:
    """Validate a URL for a new endpoint: its syntax always, its addresses in production."""
    if settings.IS_PRODUCTION:
        resolve(url)
    else:
        parse(url)
