"""Limits of the API (overridable in settings where a deployment needs to)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

#: Orders per page: default and maximum.
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

#: How long a stored Idempotency-Key response is replayed.
IDEMPOTENCY_TTL = timedelta(hours=24)
#: Longest accepted Idempotency-Key.
IDEMPOTENCY_KEY_MAX = 255


def rate_limits() -> dict[str, tuple[int, int]]:
    """(hits, seconds) per client IP: any unauthenticated call, and failed authentications."""
    defaults = {"anonymous": (60, 60), "auth_failure": (10, 300)}
    return {**defaults, **getattr(settings, "HOTLINE_API_RATE_LIMITS", {})}
