"""Where the server may send its own requests (webhook subscriptions, partner platforms' endpoints).

A URL given by an integration must not turn the deliverer against the centre's own network (SSRF): its host
is refused when it is, or resolves to, an address that is not public. Always refused: the unspecified address
(0.0.0.0, ::), link-local addresses (169.254.0.0/16 with the cloud metadata service, fe80::/10), multicast and
reserved ranges. Refused unless the deployment allows its intranet (`HOTLINE_WEBHOOKS_ALLOW_PRIVATE`): loopback
(127.0.0.0/8, ::1), private ranges (10/8, 172.16/12, 192.168/16, fc00::/7, 100.64/10 …). IPv4 addresses
embedded in IPv6 (::ffff:a.b.c.d, 6to4, NAT64 64:ff9b::/96) are judged as the IPv4 address they carry.

Check when the URL is entered, and again before each request: a name can resolve elsewhere later. A request
must then connect to one of the addresses that were checked (`check` returns them), never resolve the name a
second time: a hostile DNS server could answer a public address to the check and 127.0.0.1 or 169.254.169.254
to the connection (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

#: Why a target is refused (`Refusal.reason`).
INVALID = "invalid"
UNRESOLVED = "unresolved"
UNSPECIFIED = "unspecified"
LINK_LOCAL = "link_local"
MULTICAST = "multicast"
RESERVED = "reserved"
LOOPBACK = "loopback"
PRIVATE = "private"

_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # Linux connects 0.0.0.0 to the host itself
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_TEREDO = ipaddress.ip_network("2001::/32")


@dataclass(frozen=True)
class Refusal:
    """A target the server must not send to: its host, the address that decided it (if any) and why."""

    host: str
    address: str
    reason: str

    @property
    def target(self) -> str:
        """The host, and the address it resolved to when that differs (`hooks.example.org → 10.1.2.3`)."""
        return self.host if self.address in ("", self.host) else f"{self.host} → {self.address}"

    def __str__(self) -> str:
        if self.reason == INVALID:
            return f"no usable host in the address {self.host!r}"
        if self.reason == UNRESOLVED:
            return f"host {self.host} cannot be resolved"
        where = self.host if self.host == self.address else f"{self.host} ({self.address})"
        return f"{where} is a {self.reason.replace('_', '-')} address, not a public one"


@dataclass(frozen=True)
class Checked:
    """A target the server may send to: its host, port, and every address the host resolved to, each one allowed.

    Connect to one of `addresses` (in the resolver's order) and nowhere else; `host` stays the name for the
    Host header, the TLS server name and the certificate. `port` is the URL's, or its scheme's default
    (None for a scheme other than http and https).
    """

    host: str
    port: int | None
    addresses: tuple[str, ...]


#: The port of a URL that names none.
DEFAULT_PORTS = {"http": 80, "https": 443}


def allow_private_default() -> bool:
    """The deployment's `HOTLINE_WEBHOOKS_ALLOW_PRIVATE` (a centre delivering to its own intranet)."""
    return bool(getattr(settings, "HOTLINE_WEBHOOKS_ALLOW_PRIVATE", False))


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(address: str, *, allow_private: bool = False) -> str:
    """Why the server must not connect to this IP address ("" when it may); `ValueError` for a non-address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # fe80::1%eth0: the zone is not part of the address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _TEREDO:  # the client's real address is hidden in it: no webhook needs one
            return RESERVED
        ip = _embedded_v4(ip) or ip
    if ip.is_unspecified or ip in _THIS_NETWORK:
        return UNSPECIFIED
    if ip.is_link_local:
        return LINK_LOCAL
    if ip.is_multicast:
        return MULTICAST
    if ip.is_loopback:  # before the reserved ranges: ::1 is in ::/8
        return "" if allow_private else LOOPBACK
    if ip.is_reserved:
        return RESERVED
    if ip.is_global or allow_private:
        return ""
    return PRIVATE


def resolve(host: str, port: int | None = None) -> list[str]:
    """Every address the host name resolves to, in the resolver's order of preference (`OSError` when it does not)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check(url: str, *, allow_private: bool | None = None) -> Refusal | Checked:
    """Resolve the URL's host once and judge every address: why the server must not send to `url`, or where it may.

    A name is resolved with the system's resolver (`localhost` from the hosts file, no network needed); a
    name that does not resolve is refused with reason `UNRESOLVED` (callers that only warn may accept it).
    The first refused address decides the refusal: a name is refused when any of its addresses is.
    """
    if allow_private is None:
        allow_private = allow_private_default()
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return Refusal(url, "", INVALID)
    if not host:
        return Refusal(url, "", INVALID)
    try:
        addresses = [str(ipaddress.ip_address(host.split("%", 1)[0]))]
    except ValueError:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError):
            return Refusal(host, "", UNRESOLVED)
    if not addresses:
        return Refusal(host, "", UNRESOLVED)
    for address in addresses:
        reason = address_refusal(address, allow_private=allow_private)
        if reason:
            return Refusal(host, address, reason)
    return Checked(host, port or DEFAULT_PORTS.get(parts.scheme.lower()), tuple(addresses))


def refusal(url: str, *, allow_private: bool | None = None) -> Refusal | None:
    """Why the server must not send to `url` (None when it may): its host is, or resolves to, a refused address.

    For a check before saving a URL. A request itself connects to what `check` returned instead, so that the
    name is not resolved again between the check and the connection.
    """
    found = check(url, allow_private=allow_private)
    return found if isinstance(found, Refusal) else None
