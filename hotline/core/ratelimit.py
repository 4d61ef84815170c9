"""A generic fixed-window rate limit on Django's cache: N hits per identity per window, with Retry-After.

    LOGIN = RateLimit("api-auth-fail", limit=10, window=300)
    verdict = LOGIN.hit(client_ip(request))
    if not verdict.allowed: ... respond 429 with Retry-After: verdict.retry_after

Windows are aligned on the clock (`hotline.core.clock`), so frozen-time tests are exact. The cache is
per process by default (LocMemCache); configure a shared cache (CACHES) to count across processes.
"""

from __future__ import annotations

import hashlib
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
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
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
