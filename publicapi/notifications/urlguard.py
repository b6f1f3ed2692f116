"""Where webhooks may go: http(s) URLs, to addresses that are global (public).

An org admin chooses the URL and Margint's servers make the request, so a URL that resolves to
a private, loopback, link-local (cloud metadata at 169.254.169.254), shared, reserved or
multicast address is refused: at endpoint creation and again at every delivery, where the
request then goes to the very address that was checked (no second DNS lookup that could answer
differently). IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, the translated
::ffff:0:a.b.c.d, IPv4-compatible ::a.b.c.d, 6to4 2002::/16, Teredo 2001::/32 and NAT64
64:ff9b::/96 and 64:ff9b:1::/48) are judged by every address they carry as well.

Outside production loopback is allowed too, for local receivers and tests; nothing else that is
not global. WEBHOOK_ALLOWED_NETWORKS (comma-separated CIDRs) lists networks allowed in every
mode, for a receiver on a private network. See docs/hardening.md.
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


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT's IPv4-translated addresses
_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible, ::a.b.c.d


def carried(address: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The address and every IPv4 address that its IPv6 form carries."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    found = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip in _TRANSLATED or any(ip in net for net in _NAT64):
            found.append(low32)
        if ip in _COMPATIBLE and int(ip) > 1:  # not :: nor ::1, judged as themselves
            found.append(low32)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if ip.teredo is not None:
            found.extend(ip.teredo)  # (server, client): the client is deobfuscated already
    return found


def _listed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(ip.version == net.version and ip in net for net in settings.WEBHOOK_ALLOWED_NETWORKS)


def is_public(address: str) -> bool:
    """Global, not multicast, and so is every IPv4 address it carries."""
    return all(ip.is_global and not ip.is_multicast for ip in carried(address))


def is_allowed(address: str) -> bool:
    """Whether a webhook may go to this address in the current mode."""
    ips = carried(address)
    if all(_listed(ip) for ip in ips):
        return True
    if not settings.IS_PRODUCTION and all(ip.is_loopback for ip in ips):
        return True
    return all(ip.is_global and not ip.is_multicast for ip in ips)


def resolve(url: str) -> Target:
    """The URL's parts and the address to connect to; UnsafeWebhookUrl when it must not be called."""
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnresolvableHost(f"The host {host!r} does not resolve: {exc.strerror}.")
    addresses = [info[4][0] for info in infos]
    refused = [address for address in addresses if not is_allowed(address)]
    if refused:
        where = "public addresses" if settings.IS_PRODUCTION else "public or loopback addresses"
        raise UnsafeWebhookUrl(
            f"The host {host!r} resolves to a non-public address ({refused[0]}); webhooks go to {where} only."
        )
    return Target(scheme, host, port, path, addresses[0])


def check(url: str) -> None:
    """Validate a URL for a new endpoint: its syntax and its addresses. Outside production a host
    that does not resolve yet is accepted (it is checked again at each delivery)."""
    try:
        resolve(url)
    except UnresolvableHost:
        if settings.IS_PRODUCTION:
            raise
