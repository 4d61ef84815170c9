"""Planner fixtures: a frozen moment and synthetic call history behind hotline.planning.history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest

from hotline.calls.selectors import IntervalMetrics
from hotline.core import clock
from hotline.intelligence import forecast as fc
from hotline.planning import history
from hotline.planning.calendar import day_type

#: Wednesday 2026-11-25, 10:15 Beijing time.
NOW = datetime(2026, 11, 25, 10, 15, tzinfo=fc.TZ)
FIRST_DAY = date(2026, 8, 1)


def roster(start: datetime) -> float:
    """Agents on the phones in a half-hour of the fake history: 30 by day, 6 at night."""
    return 30.0 if 8 <= start.hour < 20 else 6.0


@pytest.fixture
def now() -> Iterator[datetime]:
    with clock.frozen(NOW):
        yield NOW


@pytest.fixture
def fake_history(monkeypatch: pytest.MonkeyPatch) -> dict[datetime, int]:
    """Poisson history from 2026-08-01 to yesterday (5,000 calls on an average Monday), served by the
    planner's history functions; metrics: 95 % answered, AHT 285 s, patience-like abandonment."""
    days = (NOW.date() - FIRST_DAY).days + 1  # today included, for the half-hours already over
    rows = fc.synthetic_history(FIRST_DAY, days, 5000, day_type, seed=8)
    offered = dict(rows)

    def offered_history(start: datetime, end: datetime) -> list[tuple[datetime, int]]:
        return [(s, n) for s, n in rows if start <= s < end and s + timedelta(minutes=30) <= NOW]

    def interval_metrics(start: datetime, end: datetime) -> list[IntervalMetrics]:
        out = []
        for s, n in rows:
            if start <= s < end and s < NOW:
                abandoned = round(n * 0.05)
                answered = n - abandoned
                out.append(IntervalMetrics(
                    start=s, offered=n, answered=answered, answered_within_15s=round(answered * 0.85),
                    abandoned=abandoned, short_abandoned=0, asa_seconds=8.0 if answered else None,
                    avg_abandon_seconds=40.0 if abandoned else None, aht_seconds=285.0 if answered else None,
                    agents_staffed=roster(s), occupancy=0.8))
        return out

    monkeypatch.setattr(history, "offered_history", offered_history)
    monkeypatch.setattr(history, "interval_metrics", interval_metrics)
    return offered
