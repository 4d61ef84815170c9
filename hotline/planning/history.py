"""Where the planner reads call history: the call centre's selectors (hotline.calls), in one place."""

from __future__ import annotations

from datetime import datetime

from hotline.calls import selectors
from hotline.calls.selectors import IntervalMetrics

__all__ = ["IntervalMetrics", "interval_metrics", "offered_history"]


def offered_history(start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """Offered calls per half-hour of [start, end), zero-filled (the forecaster's history)."""
    return selectors.offered_per_interval(start, end)


def interval_metrics(start: datetime, end: datetime) -> list[IntervalMetrics]:
    """The queue's figures per half-hour of [start, end): answered, abandoned, AHT, agents staffed, …"""
    return selectors.interval_metrics(start, end)
