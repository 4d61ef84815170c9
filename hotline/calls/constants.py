"""Thresholds of the call centre; every one may be changed per centre in settings (HOTLINE_CALLS_*).

`setting(name)` reads `settings.HOTLINE_CALLS_<NAME>` first, then the environment variable of the same
name, then the default below.
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, float] = {
    # Calls abandoned within this many seconds of entering the queue are "short abandons": not offered.
    "SHORT_ABANDON_SECONDS": 5,
    # The answer target (GB/T 33358-2016: answer within 15 s).
    "ANSWER_TARGET_SECONDS": 15,
    # Targets shown on the metrics page (domain.md): connected ≥ 95 %, answered within 15 s ≥ 80 %.
    "CONNECT_RATE_TARGET": 0.95,
    "SERVICE_LEVEL_TARGET": 0.80,
    # A caller who got through within this many minutes after a missed call needs no callback.
    "CALLBACK_SUPERSEDE_MINUTES": 120,
    # A callback is due this many minutes (working time, see hotline.core.workcalendar) after the missed call.
    "CALLBACK_DEADLINE_MINUTES": 120,
    # "No answer" allows this many attempts in all; then the callback ends as unreachable.
    "CALLBACK_MAX_ATTEMPTS": 3,
    # After "no answer" the next attempt is not offered before this many minutes.
    "CALLBACK_RETRY_MINUTES": 30,
    # A claim lapses after this many minutes, so a forgotten claim does not block the caller.
    "CALLBACK_CLAIM_MINUTES": 15,
    # Short abandons get a callback too (1) or not (0).
    "CALLBACK_SHORT_ABANDONS": 0,
    # An order registered this many seconds after the call ended still belongs to it when the
    # agent's wrap-up end is not known yet.
    "LINK_GRACE_SECONDS": 120,
    # The screen pop shows an answered call for at most this many minutes without an end event.
    "POP_MAX_MINUTES": 120,
    # Largest CTI batch accepted in one request.
    "MAX_BATCH": 5000,
    # Largest allowed distance between the signature's timestamp and the server clock.
    "SIGNATURE_SKEW_SECONDS": 300,
    # An event's time may be at most this many days before or after the server clock (a mistyped year
    # or a PBX clock gone wrong is refused, with its reason, instead of being stored).
    "EVENT_WINDOW_DAYS": 366,
}

INTERVAL_SECONDS = 1800  # a half-hour, the interval of the metrics and of the staffing plan


def setting(name: str) -> float:
    """The configured value of one threshold."""
    value = getattr(settings, f"HOTLINE_CALLS_{name}", None)
    if value is None:
        value = os.environ.get(f"HOTLINE_CALLS_{name}")
    return float(value) if value is not None else DEFAULTS[name]
