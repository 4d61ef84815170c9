"""The staffing plan: forecast, Erlang C/A requirements, staffing from history, gap; AHT and patience."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest

from hotline.calls.selectors import IntervalMetrics
from hotline.intelligence import forecast as fc
from hotline.intelligence import staffing as st
from hotline.planning.calendar import day_type
from hotline.planning.planner import ACTUAL, LAST_WEEK, PlanParams, aht_by_slot, build_plan, estimate_patience
from hotline.planning.tests.conftest import NOW, roster

pytestmark = pytest.mark.django_db
TARGETS = st.Targets(0.8, 15, connect=0.95, max_occupancy=0.85, shrinkage=0.3)


def _metrics(start: datetime, answered: int, aht: float | None, abandoned: int = 0, asa: float = 0.0,
             abandon_wait: float = 0.0) -> IntervalMetrics:
    return IntervalMetrics(start=start, offered=answered + abandoned, answered=answered, answered_within_15s=answered,
                           abandoned=abandoned, short_abandoned=0, asa_seconds=asa, avg_abandon_seconds=abandon_wait,
                           aht_seconds=aht, agents_staffed=1.0, occupancy=0.5)


def test_aht_by_half_hour_weighted_by_answered_calls_with_fallbacks() -> None:
    nine = datetime(2026, 11, 24, 9, 0, tzinfo=fc.TZ)
    rows = [_metrics(nine, 30, 300.0), _metrics(nine + timedelta(days=1), 10, 200.0),
            _metrics(nine + timedelta(hours=5), 5, 600.0)]
    ahts, used = aht_by_slot(rows, default=285.0, min_calls=30)
    assert used
    assert ahts[18] == pytest.approx((30 * 300 + 10 * 200) / 40)
    overall = (30 * 300 + 10 * 200 + 5 * 600) / 45
    assert ahts[28] == pytest.approx(overall) and ahts[0] == pytest.approx(overall)  # too few calls: overall
    assert aht_by_slot(rows[:1], default=285.0, min_calls=100) == ([285.0] * 48, False)


def test_patience_estimate_is_waiting_time_over_abandons() -> None:
    start = datetime(2026, 11, 24, 9, 0, tzinfo=fc.TZ)
    rows = [_metrics(start, 90, 280.0, abandoned=10, asa=20.0, abandon_wait=30.0)] * 6
    assert estimate_patience(rows, min_abandons=50) == pytest.approx((90 * 20 + 10 * 30) / 10)
    assert estimate_patience(rows, min_abandons=100) is None


def test_plan_for_the_coming_week(now: datetime, fake_history: dict) -> None:
    start = date(2026, 11, 26)
    plan = build_plan(PlanParams(start=start, days=7, targets=TARGETS), NOW)
    assert plan.error == ""
    assert len(plan.rows) == 7 * 48 and len(plan.days) == 7
    assert plan.rows[0].start == datetime(2026, 11, 26, tzinfo=fc.TZ)
    assert plan.aht == pytest.approx(285.0) and plan.aht_from_history
    assert plan.patience_from_history and plan.patience == pytest.approx((0.95 * 8 + 0.05 * 40) / 0.05, rel=0.05)
    assert plan.backtest is not None and plan.backtest.wape < 0.12

    peak = max(plan.rows, key=lambda r: r.forecast)
    c, a = peak.erlang_c, peak.erlang_a
    assert c.agents == st.staff(peak.calls_per_hour, 285.0, TARGETS, st.ERLANG_C).agents
    assert a.agents == st.staff(peak.calls_per_hour, 285.0, TARGETS, st.ERLANG_A, plan.patience).agents
    assert c.seats == math.ceil(round(c.agents / 0.7, 9))
    assert a.performance.connect >= 0.95 and c.performance.service_level >= 0.8
    # the future has no staffing of its own: last week's roster stands in, and the gap is against Erlang A
    assert peak.staffed_source == LAST_WEEK and peak.staffed == roster(peak.start)
    assert peak.gap == pytest.approx(peak.staffed - a.agents)
    assert peak.actual_offered is None
    monday = plan.days[4]
    assert monday.day == date(2026, 11, 30) and monday.day_type == fc.WORKDAY
    assert monday.peak_agents_a == max(r.erlang_a.agents for r in plan.rows[4 * 48:5 * 48])
    assert monday.seat_hours_c == sum(r.erlang_c.seats for r in plan.rows[4 * 48:5 * 48]) / 2
    assert monday.short_intervals == sum(1 for r in plan.rows[4 * 48:5 * 48] if r.gap < 0)
    assert plan.days[2].day_type == fc.WEEKEND and plan.days[2].forecast < 0.7 * monday.forecast


def test_a_past_week_shows_actual_calls_and_staffing(now: datetime, fake_history: dict) -> None:
    start = date(2026, 11, 19)  # Thursday a week ago, up to today
    plan = build_plan(PlanParams(start=start, days=7, targets=TARGETS, model=st.ERLANG_C), NOW)
    first = plan.rows[0]
    assert first.actual_offered == fake_history[first.start]
    assert first.staffed_source == ACTUAL and first.gap == pytest.approx(first.staffed - first.erlang_c.agents)
    assert plan.days[0].actual_offered == sum(fake_history[r.start] for r in plan.rows[:48])
    # the forecast was fitted on history before the first day only
    assert plan.days[0].forecast != pytest.approx(plan.days[0].actual_offered, rel=1e-6)
    today = [r for r in plan.rows if r.start.date() == NOW.date()]
    assert today == [] or today[0].staffed_source == ACTUAL


def test_fixed_aht_and_patience_and_erlang_c_gap(now: datetime, fake_history: dict) -> None:
    plan = build_plan(PlanParams(start=date(2026, 11, 26), days=1, targets=TARGETS, aht=400, patience=50,
                                 model=st.ERLANG_C), NOW)
    assert plan.aht == 400 and not plan.aht_from_history
    assert plan.patience == 50 and not plan.patience_from_history
    assert all(r.gap == pytest.approx(r.staffed - r.erlang_c.agents) for r in plan.rows)


def test_too_little_history_says_so(now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.planning import history

    monkeypatch.setattr(history, "offered_history", lambda start, end: [])
    plan = build_plan(PlanParams(start=date(2026, 11, 26), days=7, targets=TARGETS), NOW)
    assert plan.error == "需要至少 7 个整天的历史话务，目前只有 0 天" and plan.rows == []


def test_calendar_day_types(db: None) -> None:
    from hotline.core import workcalendar

    assert day_type(date(2026, 11, 23)) == fc.WORKDAY
    assert day_type(date(2026, 11, 21)) == fc.WEEKEND
    assert day_type(date(2026, 10, 1)) == fc.HOLIDAY  # National Day, a Thursday
    assert day_type(date(2026, 10, 3)) == fc.HOLIDAY  # a Saturday inside the break
    assert day_type(date(2026, 10, 10)) == fc.ADJUSTED_WORKDAY  # 调休: a working Saturday
    workcalendar.set_overrides({date(2026, 11, 24): False, date(2026, 11, 28): True})
    assert day_type(date(2026, 11, 24)) == fc.HOLIDAY
    assert day_type(date(2026, 11, 28)) == fc.ADJUSTED_WORKDAY
