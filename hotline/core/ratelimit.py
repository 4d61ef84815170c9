"""A generic fixed-window rate limit on Django's cache: N hits per identity per window, with Retry-After.

    LOGIN = RateLimit("api-auth-fail", limit=10, window=300)
    verdict = LOGIN.hit(client_ip(request))
    if not verdict.allowed: ... respond 429 with Retry-After: verdict.retry_after

Windows are aligned on the clock (`hotline.core.clock`), so frozen-time tests are exact. The cache is
per process by default (LocMemCache); configure a shared cache (CACHES) to count across processes.

An identity that is an IPv6 address counts for its /64 prefix (`address_key`): one host, or one home or
office network, is given a whole /64 and can pick a new address in it for every request. IPv4 addresses,
and identities that are not addresses, count as they are.

Failed tries of one secret guessed from many addresses are counted with `FailureLimit` (several windows,
e.g. a quarter of an hour and six hours): a try is counted before the check, and given back when it succeeds.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from hotline.core import clock


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the header a trusted proxy sets (HOTLINE_CLIENT_IP_HEADER)."""
    header = settings.HOTLINE_CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


#: The prefix length an IPv6 client is counted by: the smallest network a site is given (RFC 6177).
IPV6_PREFIX = 64


def address_key(identity: str) -> str:
    """What a limit counts for an identity: an IPv6 address's /64 network ("2001:db8:1:2::/64"), the IPv4
    address of an IPv4-mapped one, anything else (an IPv4 address, an order number) unchanged."""
    if ":" not in identity:
        return identity
    try:
        address = ipaddress.IPv6Address(identity)
    except ValueError:
        return identity
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    network = ipaddress.IPv6Network((int(address) >> (128 - IPV6_PREFIX) << (128 - IPV6_PREFIX), IPV6_PREFIX))
    return str(network)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one hit: allowed or not, how many hits are left, and when the window ends."""

    allowed: bool
    remaining: int
    retry_after: int  # seconds until the window resets (at least 1)


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` hits per identity in each `window`-second window."""

    name: str
    limit: int
    window: int

    def _slot(self, identity: str) -> tuple[str, int]:
        now = clock.now().timestamp()
        index = int(now // self.window)
        retry = max(1, math.ceil((index + 1) * self.window - now))
        digest = hashlib.sha256(address_key(identity).encode()).hexdigest()[:32]
        return f"hotline:rl:{self.name}:{digest}:{index}", retry

    def hit(self, identity: str) -> Verdict:
        """Count one hit; `allowed` is False once the identity has used up the window."""
        key, retry = self._slot(identity)
        cache.add(key, 0, timeout=self.window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.window + 1)
            count = 1
        return Verdict(count <= self.limit, max(0, self.limit - count), retry)

    def peek(self, identity: str) -> Verdict:
        """Whether another hit would be allowed, without counting one."""
        key, retry = self._slot(identity)
        count = cache.get(key, 0)
        return Verdict(count < self.limit, max(0, self.limit - count), retry)

    def reset(self, identity: str) -> None:
        """Forget the identity's hits in the current window."""
        cache.delete(self._slot(identity)[0])

    def refund(self, identity: str) -> None:
        """Give back one hit of the identity in the current window (a try that turned out to be no failure)."""
        key, _ = self._slot(identity)
        try:
            if cache.get(key, 0) > 0:
                cache.decr(key)
        except ValueError:  # expired meanwhile: nothing to give back
            pass


@dataclass(frozen=True)
class FailureLimit:
    """Failed tries of one identity (an order number) limited over several windows at once.

    `attempt` counts a try in every window before the secret is checked, so that concurrent guesses cannot
    all slip through between a check and a count; `succeeded` gives the try back when the secret was right.
    Refused once any window is used up, with the longest wait of those used up; a refused try is given back
    in the other windows (hammering at a closed door does not close it for longer).
    """

    limits: tuple[RateLimit, ...]

    def attempt(self, identity: str) -> Verdict:
        """Count one try of the identity in every window; `allowed` is False once any window is used up."""
        verdicts = [limit.hit(identity) for limit in self.limits]
        refused = [v for v in verdicts if not v.allowed]
        if not refused:
            return min(verdicts, key=lambda v: v.remaining)
        for limit, verdict in zip(self.limits, verdicts, strict=True):
            if verdict.allowed:  # the try is not made: it uses up no other window
                limit.refund(identity)
        return max(refused, key=lambda v: v.retry_after)

    def succeeded(self, identity: str) -> None:
        """The try was right: it is no failure, give it back in every window."""
        for limit in self.limits:
            limit.refund(identity)
