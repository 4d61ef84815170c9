"""Defaults of the staffing plan; each may be changed in settings (HOTLINE_PLANNING_<NAME>) or the environment.

The service-level and connection targets default to the call centre's own (hotline.calls.constants:
80 % within 15 s, ≥ 95 % connected, GB/T 33358-2016 and domain.md).
"""

from __future__ import annotations

import os

from django.conf import settings

from hotline.accounts.choices import Role

DEFAULTS: dict[str, float] = {
    # Share of paid time agents are not on the phones (breaks, meals, training, meetings).
    "SHRINKAGE": 0.30,
    # Highest occupancy the plan accepts (agents burn out above ~85–90 %).
    "MAX_OCCUPANCY": 0.85,
    # Mean caller patience in the queue, seconds (Erlang A), used when history cannot estimate it.
    "PATIENCE_SECONDS": 75,
    # Average handle time (talk + wrap-up), seconds, used where history has too few answered calls.
    "AHT_SECONDS": 285,
    # Days of call history the forecast learns from.
    "HISTORY_DAYS": 91,
    # Days forecast and planned.
    "FORECAST_DAYS": 7,
    # Rolling-origin folds of the backtest (each one horizon long).
    "BACKTEST_FOLDS": 4,
    # Fewest answered calls in a half-hour of the day before its own AHT is used (else the overall AHT).
    "MIN_CALLS_FOR_AHT": 30,
    # Fewest abandoned calls before the patience is estimated from history.
    "MIN_ABANDONS_FOR_PATIENCE": 50,
}

#: Who may open the planner: supervisors, dispatchers (值班长 / shift leads), leaders, administrators.
PLANNER_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER, Role.ADMIN})


def setting(name: str) -> float:
    """The configured value of one default."""
    value = getattr(settings, f"HOTLINE_PLANNING_{name}", None)
    if value is None:
        value = os.environ.get(f"HOTLINE_PLANNING_{name}")
    return float(value) if value is not None else DEFAULTS[name]


def target_defaults() -> dict[str, float]:
    """Service-level target, answer window and connection target: the call centre's settings."""
    from hotline.calls.constants import setting as calls_setting

    return {"service_level": calls_setting("SERVICE_LEVEL_TARGET"),
            "answer_within": calls_setting("ANSWER_TARGET_SECONDS"),
            "connect": calls_setting("CONNECT_RATE_TARGET")}
