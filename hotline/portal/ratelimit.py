"""A small fixed-window rate limit per client IP for the public endpoints, on Django's cache."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from hotline.portal.constants import rate_limit


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the header a trusted proxy sets (HOTLINE_CLIENT_IP_HEADER)."""
    header = getattr(settings, "HOTLINE_CLIENT_IP_HEADER", "")
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(request: HttpRequest, bucket: str) -> bool:
    """Count one try of this client in the bucket; False once it has used up its tries in the window."""
    tries, seconds = rate_limit(bucket)
    ip = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    key = f"hotline:portal:{bucket}:{ip}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= tries
