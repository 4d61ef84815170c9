"""Handle time and patience do not depend on how far ahead the plan starts; forecast errors are translated."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import translation

from hotline.intelligence import forecast as fc
from hotline.intelligence import staffing as st
from hotline.planning import history
from hotline.planning.planner import PlanParams, build_plan
from hotline.planning.tests.conftest import NOW

pytestmark = pytest.mark.django_db
TARGETS = st.Targets(0.8, 15, connect=0.95, max_occupancy=0.85, shrinkage=0.3)


@pytest.mark.parametrize("start", [date(2026, 12, 2), date(2026, 12, 9)])
def test_aht_and_patience_come_from_the_last_week_however_far_ahead(now: datetime, fake_history: dict,
                                                                    start: date) -> None:
    tomorrow = build_plan(PlanParams(start=date(2026, 11, 26), days=1, targets=TARGETS), NOW)
    later = build_plan(PlanParams(start=start, days=1, targets=TARGETS), NOW)
    assert later.aht_from_history and later.patience_from_history
    assert later.patience == pytest.approx(tomorrow.patience) and later.aht == pytest.approx(tomorrow.aht)
    # the same weekday (Wednesday) forecast, so the same requirement
    assert later.days[0].peak_agents_a == build_plan(PlanParams(start=date(2026, 12, 2), days=1,
                                                                targets=TARGETS), NOW).days[0].peak_agents_a


def test_a_past_plan_takes_the_week_before_its_first_day(now: datetime, fake_history: dict,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[datetime, datetime]] = []
    real = history.interval_metrics

    def spy(start: datetime, end: datetime) -> list:
        asked.append((start, end))
        return real(start, end)

    monkeypatch.setattr(history, "interval_metrics", spy)
    plan = build_plan(PlanParams(start=date(2026, 11, 19), days=3, targets=TARGETS), NOW)
    assert plan.aht_from_history and len(asked) == 1  # the staffing window already holds that week
    ahead = build_plan(PlanParams(start=date(2026, 12, 9), days=1, targets=TARGETS), NOW)
    assert ahead.patience_from_history
    assert asked[-1] == (datetime(2026, 11, 18, tzinfo=fc.TZ), datetime(2026, 11, 25, tzinfo=fc.TZ))


def test_too_little_history_is_said_in_the_readers_language(now: datetime, fake_history: dict,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    rows = history.offered_history(datetime(2026, 11, 18, tzinfo=fc.TZ), datetime(2026, 11, 24, tzinfo=fc.TZ))
    monkeypatch.setattr(history, "offered_history", lambda start, end: rows)
    with translation.override("zh-hans"):
        plan = build_plan(PlanParams(start=date(2026, 11, 26), days=1, targets=TARGETS), NOW)
    assert plan.error == "需要至少 7 个整天的历史话务，目前只有 6 天" and plan.rows == []
    with translation.override("en"):
        plan = build_plan(PlanParams(start=date(2026, 11, 26), days=1, targets=TARGETS), NOW)
    assert plan.error == "At least 7 whole days of call history are needed; there are only 6."


def test_no_calls_on_working_days_is_translated(now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    days = fc.synthetic_history(date(2026, 11, 1), 14, 5000, fc.weekday_day_type, seed=1)  # from a Sunday
    weekends_only = [(s, n if s.astimezone(fc.TZ).weekday() >= 5 else 0) for s, n in days]
    monkeypatch.setattr(history, "offered_history", lambda start, end: weekends_only)
    with translation.override("en"):
        plan = build_plan(PlanParams(start=date(2026, 11, 26), days=1, targets=TARGETS), NOW)
    assert plan.error == "The call history has no calls on working days."
