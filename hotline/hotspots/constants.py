"""Thresholds of hot-spot mining (热点问题); each can be overridden in settings (`HOTLINE_HOTSPOT_*`)."""

from __future__ import annotations

from django.conf import settings

#: Early warning (突增预警): this window has at least WARN_RATIO × the previous window's orders …
WARN_RATIO = 3.0
#: … and at least WARN_MIN_ORDERS orders.
WARN_MIN_ORDERS = 5
#: A run of a window that has not ended yet is recomputed after this many seconds.
STALE_AFTER_SECONDS = 900
#: Pages compute a missing or stale run themselves only up to this many orders (else: the command).
PAGE_COMPUTE_MAX_ORDERS = 3000
#: Hot spots kept per run (the rest are not stored).
KEEP_PER_RUN = 50
#: 每月一题: candidates shown, and the weeks of a month an issue must appear in.
MONTHLY_CANDIDATES = 5
MONTHLY_MIN_WEEKS = 2


def setting(name: str) -> float:
    """The value in force: `settings.HOTLINE_HOTSPOT_<NAME>` or the default above."""
    return getattr(settings, f"HOTLINE_HOTSPOT_{name}", globals()[name])
