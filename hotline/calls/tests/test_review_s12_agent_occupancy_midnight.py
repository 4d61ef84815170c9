"""A call that runs past midnight: an agent's occupancy for the day counts only the talk inside the day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from hotline.calls import selectors
from hotline.calls.ingest import ingest
from hotline.calls.models import PbxSource
from hotline.calls.tests.conftest import DAY, ev

D = DAY - timedelta(days=1)  # Monday 2025-03-03; the clock is frozen on Tuesday 10:00


def t(h: int, m: int, s: int = 0, day: datetime = D) -> str:
    return (day + timedelta(hours=h, minutes=m, seconds=s)).isoformat()


@pytest.fixture
def pbx(db: None, frozen_now: datetime) -> PbxSource:
    return PbxSource.objects.create(key="pbx", name="pbx", secret="x")


@pytest.fixture
def over_midnight(pbx: PbxSource) -> None:
    """Logged in 23:50–00:30; a call queued 23:55, answered 23:55:05, ended 00:25, wrap-up to 00:27."""
    ingest(pbx, [
        ev("l", "agent.login", t(23, 50), agent="8001"),
        ev("q", "call.queued", t(23, 55), call_id="c1", caller="13912345678"),
        ev("a", "call.answered", t(23, 55, 5), call_id="c1", agent="8001"),
        ev("e", "call.ended", t(0, 25, day=DAY), call_id="c1", agent="8001"),   # 00:25 the next day
        ev("w", "agent.wrapup", t(0, 25, day=DAY), agent="8001"),
        ev("r", "agent.ready", t(0, 27, day=DAY), agent="8001"),
        ev("o", "agent.logout", t(0, 30, day=DAY), agent="8001"),
    ])


def figures(day: date) -> tuple[selectors.AgentFigures, selectors.IntervalMetrics]:
    start, end = selectors.day_bounds(day)
    [agent] = selectors.agent_figures(start, end)
    return agent, selectors.queue_summary(start, end)


def test_an_agents_occupancy_is_clipped_to_the_day_like_the_days_own(over_midnight) -> None:
    agent, day = figures(D.date())
    assert agent.logged_in_seconds == 600  # 23:50–24:00
    assert (agent.talk_seconds, agent.wrap_seconds) == (295.0, 0.0)  # 23:55:05–24:00
    assert agent.occupancy is not None and agent.occupancy <= 1  # busy at most all of the time logged in
    assert agent.occupancy == pytest.approx(day.occupancy)  # the only agent: the day's figure and theirs agree
    # the call and its handle time stay with the day it entered the queue
    assert (agent.calls, agent.aht_seconds) == (1, 1795.0 + 120.0) == (day.answered, day.aht_seconds)


def test_the_rest_of_the_call_counts_on_the_next_day(over_midnight) -> None:
    agent, day = figures(DAY.date())
    assert agent.logged_in_seconds == 1800  # 00:00–00:30
    assert (agent.talk_seconds, agent.wrap_seconds) == (1500.0, 120.0)
    assert (agent.calls, agent.aht_seconds) == (0, None)
    assert agent.occupancy == pytest.approx(day.occupancy) == pytest.approx(1620 / 1800)
