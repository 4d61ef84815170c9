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

#: Seasonal early warnings (季节性预警, `hotline.intelligence.seasonal`): the index from which a key warns …
SEASONAL_THRESHOLD = 1.5
#: … the fewest expected orders worth a warning, the past years compared, the coming window's default and
#: longest length (days), the taxonomy level a key's category is rolled up to (冬季采暖 is a third-level
#: node: at level 2 it would share 城市建设和市政管理 with summer's drainage), and the cache's lifetime.
SEASONAL_MIN_EXPECTED = 5.0
SEASONAL_YEARS = 3
SEASONAL_DAYS = 30
SEASONAL_MAX_DAYS = 92
SEASONAL_KEY_LEVEL = 3
SEASONAL_CACHE_SECONDS = 3600
