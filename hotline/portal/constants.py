"""Thresholds of the citizen portal; each may be overridden by a setting of the same name."""

from __future__ import annotations

from django.conf import settings

#: Photos a citizen may attach to one request (each checked by content, at most 10 MB).
MAX_PHOTOS = 5
#: Days a rating link (回访评价链接) stays valid.
INVITATION_DAYS = 7
#: Requests per client address (an IPv6 client per /64): bucket -> (tries, window in seconds); the
#: `NUMBER_BUCKETS` count failed lookups per order number instead. Setting: HOTLINE_PORTAL_RATE_LIMITS.
RATE_LIMITS: dict[str, tuple[int, int]] = {
    "track": (20, 600),
    "submit": (10, 3600),  # accepted submissions (requests and praise)
    "submit-try": (60, 3600),  # posts of those forms, accepted or not
    "rate": (30, 600),
    "chase": (10, 600),  # 催办 from the tracking page (each order at most once per working day anyway)
    # Wrong query codes for one order number, from any address (an unknown number counts the same): past
    # either, the number answers 429 to everyone, the right code included, until that window ends. A citizen
    # who mistypes a few times never gets near; a guesser gets 240 of the million codes a day at most.
    "track-number": (25, 900),
    "track-number-long": (60, 6 * 3600),
}
#: The buckets counted per order number (tracking and 催办 alike), all of which must allow a try.
NUMBER_BUCKETS = ("track-number", "track-number-long")
#: Longest description accepted from the web (characters).
MAX_DESCRIPTION = 2000


def rate_limit(bucket: str) -> tuple[int, int]:
    """The (tries, seconds) allowed for one bucket, from settings when configured."""
    configured = getattr(settings, "HOTLINE_PORTAL_RATE_LIMITS", {}) or {}
    return tuple(configured.get(bucket, RATE_LIMITS[bucket]))  # type: ignore[return-value]


def invitation_days() -> int:
    """How long a rating link stays valid (setting HOTLINE_VISIT_INVITATION_DAYS)."""
    return int(getattr(settings, "HOTLINE_VISIT_INVITATION_DAYS", INVITATION_DAYS))
