"""Reading periods: months, ranges, weeks, and clear errors for bad input."""

from __future__ import annotations

from datetime import date

import pytest

from hotline.kpis import periods
from hotline.kpis.periods import PeriodError


def test_month_is_half_open_in_local_time() -> None:
    p = periods.parse_month("2026-10")
    assert p.label == "2026-10" and p.kind == "month"
    assert p.start.isoformat() == "2026-10-01T00:00:00+08:00"
    assert p.end.isoformat() == "2026-11-01T00:00:00+08:00"
    assert p.previous().label == "2026-09"
    assert periods.parse_month("2026-01").previous().label == "2025-12"
    assert periods.parse_month("2026-12").last_day == date(2026, 12, 31)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-10", "2026/10", "", "october", "1999-01"])
def test_bad_months_are_refused(text: str) -> None:
    with pytest.raises(PeriodError):
        periods.parse_month(text)


def test_ranges_weeks_and_days() -> None:
    week = periods.week_of(date(2026, 10, 8))
    assert (week.first_day, week.last_day, week.kind) == (date(2026, 10, 5), date(2026, 10, 11), "week")
    assert week.previous().first_day == date(2026, 9, 28)
    day = periods.parse_days("2026-10-08", "2026-10-08")
    assert day.kind == "day" and day.label == "2026-10-08"
    assert periods.parse_days("2026-10-01", "2026-10-15").params() == {"start": "2026-10-01", "end": "2026-10-15"}
    with pytest.raises(PeriodError):
        periods.parse_days("2026-10-15", "2026-10-01")
    with pytest.raises(PeriodError):
        periods.parse_days("2026-10-15", "soon")
    with pytest.raises(PeriodError):
        periods.parse_days("2024-01-01", "2026-01-01")
