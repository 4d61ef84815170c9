"""Blocking a client network whose failed sign-ins spread over many account names (密码喷洒拦截).

The lockout per name (`lockout.py`) never stops an attacker who tries four passwords on each of the
centre's hundreds of names from one address. This limit counts the failures per client network
(`hotline.core.ratelimit.address_key`: an IPv4 address, an IPv6 /64) over the same window, and blocks the
network for LOCKOUT_WINDOW once they reach ADDRESS_MAX_FAILURES *and* cover ADDRESS_MIN_NAMES distinct
names. A call centre's agents share one public address, but a colleague who mistyped does not count
for long: a real sign-in forgets the failures of its name (`lockout.clear`), and a name counts at most
MAX_LOGIN_FAILURES times before it is locked itself. The centre's own networks can be exempted
(`HOTLINE_TRUSTED_SIGNIN_NETWORKS`).

The failures are the lockout's `LoginFailure` rows (their `network`), so every server process agrees;
a block is an `AddressBlock` row, its audit record, with a line on the `hotline.audit` log.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.db.models.functions import Lower

from hotline.accounts.constants import LOCKOUT_WINDOW, setting
from hotline.accounts.models import AddressBlock, LoginFailure
from hotline.core import clock
from hotline.core.ratelimit import address_key

log = logging.getLogger("hotline.audit")

#: The label of the refusals in `hotline_rate_limited_total` (hotline/ops/metrics.py).
METRIC_LABEL = "signin-address"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _parse(spec: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for item in spec:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"HOTLINE_TRUSTED_SIGNIN_NETWORKS: {item!r} is not a network (CIDR): {exc}"
                                       ) from exc
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    """The networks exempt from the address limit (`settings.HOTLINE_TRUSTED_SIGNIN_NETWORKS`, CIDRs)."""
    configured = getattr(settings, "HOTLINE_TRUSTED_SIGNIN_NETWORKS", ()) or ()
    if isinstance(configured, str):
        configured = configured.split(",")
    return _parse(tuple(item for item in configured if item.strip()))


def is_trusted(ip: str) -> bool:
    """True if the address lies in a network the centre trusts (an IPv4-mapped IPv6 address as IPv4)."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in trusted_networks())


def network_of(ip: str | None) -> str:
    """What the limit counts an address for ("" without one, which is never limited)."""
    return address_key(ip) if ip else ""


def watched(ip: str | None) -> bool:
    """True if sign-ins from this address are subject to the address limit (an address, not trusted)."""
    return bool(ip) and not is_trusted(ip)  # type: ignore[arg-type]


def is_blocked(network: str) -> bool:
    """True while a block of the network lasts."""
    return AddressBlock.objects.filter(network=network, until__gt=clock.now()).exists()


def window_counts(network: str, *, excluding: int | None = None) -> tuple[int, int]:
    """The network's failures within the window and the distinct account names they cover (case-insensitive),
    without the attempt `excluding` (the one asking)."""
    rows = LoginFailure.objects.filter(network=network, at__gte=clock.now() - LOCKOUT_WINDOW)
    if excluding is not None:
        rows = rows.exclude(pk=excluding)
    counts = rows.aggregate(failures=Count("id"), names=Count(Lower("username"), distinct=True))
    return counts["failures"], counts["names"]


def over_limit(failures: int, names: int) -> bool:
    """True if this many failures on this many names are password spraying."""
    return failures >= setting("ADDRESS_MAX_FAILURES") and names >= setting("ADDRESS_MIN_NAMES")


def block(network: str, ip: str | None, *, failures: int, names: int) -> AddressBlock:
    """Block the network's sign-ins for LOCKOUT_WINDOW (or keep the block that lasts), with its audit line."""
    now = clock.now()
    lasting = AddressBlock.objects.filter(network=network, until__gt=now).first()
    if lasting is not None:  # a parallel attempt blocked it a moment ago
        return lasting
    entry = AddressBlock.objects.create(network=network, ip=ip or None, since=now, until=now + LOCKOUT_WINDOW,
                                        failures=failures, names=names)
    log.warning("sign-in blocked for %s until %s: %d failures on %d account names within %s",
                network, entry.until.isoformat(), failures, names, LOCKOUT_WINDOW,
                extra={"audit": {"kind": "signin_address_blocked", "network": network, "ip": ip or "",
                                 "failures": failures, "names": names, "until": entry.until.isoformat()}})
    return entry


def count_refusal() -> None:
    """One sign-in refused by the address limit, in `hotline_rate_limited_total{limit="signin-address"}`."""
    from hotline.ops.metrics import RATE_LIMITED

    RATE_LIMITED.labels(METRIC_LABEL).inc()
