"""Queue metrics over a small hand-made day, with every expected figure worked out by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.calls import selectors
from hotline.calls.ingest import ingest
from hotline.calls.models import PbxSource
from hotline.calls.tests.conftest import DAY, at, ev

pytestmark = pytest.mark.usefixtures("frozen_now")  # 10:00 on the test day; everything below is 09:00–09:40


def hand_made_day() -> list[dict]:
    """09:00–09:30: two agents, four offered calls (+1 short abandon); 09:30–10:00: one call answered late."""
    e = []
    # Agent 8001: logged in 09:00, not ready 09:20–09:25, logged out 09:30.
    e += [ev("a1", "agent.login", at(0), agent="8001"), ev("a2", "agent.not_ready", at(20), agent="8001"),
          ev("a3", "agent.ready", at(25), agent="8001"), ev("a4", "agent.logout", at(30), agent="8001")]
    # Agent 8002: logged in 09:00 to 09:40, always ready but for wrap-ups.
    e += [ev("b1", "agent.login", at(0), agent="8002"), ev("b9", "agent.logout", at(40), agent="8002")]
    # Call 1: queued 09:01:00, answered by 8001 after 10 s, talk 200 s, wrap-up 40 s.
    e += [ev("c1o", "call.offered", at(0, 50), call_id="c1", caller="13800000001"),
          ev("c1q", "call.queued", at(1), call_id="c1"),
          ev("c1a", "call.answered", at(1, 10), call_id="c1", agent="8001"),
          ev("c1e", "call.ended", at(4, 30), call_id="c1", agent="8001"),
          ev("c1w", "agent.wrapup", at(4, 30), agent="8001"), ev("c1r", "agent.ready", at(5, 10), agent="8001")]
    # Call 2: queued 09:02:00, answered by 8002 after 30 s, talk 100 s, wrap-up 20 s.
    e += [ev("c2q", "call.queued", at(2), call_id="c2", caller="13800000002"),
          ev("c2a", "call.answered", at(2, 30), call_id="c2", agent="8002"),
          ev("c2e", "call.ended", at(4, 10), call_id="c2", agent="8002"),
          ev("c2w", "agent.wrapup", at(4, 10), agent="8002"), ev("c2r", "agent.ready", at(4, 30), agent="8002")]
    # Call 3: queued 09:10:00, abandoned after 45 s. Call 4: queued 09:11:00, abandoned after 3 s (short).
    e += [ev("c3q", "call.queued", at(10), call_id="c3", caller="13800000003"),
          ev("c3x", "call.abandoned", at(10, 45), call_id="c3"),
          ev("c4q", "call.queued", at(11), call_id="c4", caller="13800000004"),
          ev("c4x", "call.abandoned", at(11, 3), call_id="c4")]
    # Call 5: queued 09:12:00, the ACD drops it after 60 s (missed).
    e += [ev("c5q", "call.queued", at(12), call_id="c5", caller="13800000005"),
          ev("c5e", "call.ended", at(13), call_id="c5", reason="queue_timeout")]
    # Call 6: queued 09:35:00, answered by 8002 after 15 s exactly, talk 60 s, no wrap-up; transferred to 110.
    e += [ev("c6q", "call.queued", at(35), call_id="c6", caller="13800000006"),
          ev("c6a", "call.answered", at(35, 15), call_id="c6", agent="8002"),
          ev("c6t", "call.transferred", at(35, 45), call_id="c6", agent="8002", to="110"),
          ev("c6e", "call.ended", at(36, 15), call_id="c6", agent="8002")]
    return e


@pytest.fixture
def day(db: None) -> None:
    ingest(PbxSource.objects.create(key="pbx", name="pbx", secret="x"), hand_made_day())


def test_the_first_half_hour(day) -> None:
    start = DAY + timedelta(hours=9)
    m = selectors.interval_metrics(start, start + timedelta(minutes=30))
    assert len(m) == 1
    m = m[0]
    assert m.start == start
    # Offered: calls 1, 2, 3 and 5 (call 4 is a short abandon, reported apart).
    assert (m.offered, m.answered, m.answered_within_15s, m.abandoned, m.short_abandoned, m.missed) == (4, 2, 1, 1, 1, 1)
    assert m.connect_rate == 0.5                    # 2 / 4
    assert m.service_level == 0.5                   # 1 within 15 s / 2 answered (domain.md)
    assert m.service_level_of_offered == 0.25       # 1 / 4
    assert m.abandon_rate == 0.25
    assert m.asa_seconds == 20.0                    # (10 + 30) / 2
    assert m.avg_abandon_seconds == 45.0
    assert m.aht_seconds == 180.0                   # ((200 + 40) + (100 + 20)) / 2
    # Available (logged in, not 'not ready'): 8001 30 min − 5 min = 1500 s; 8002 1800 s → 3300 s = 1.8333 agents.
    assert m.agents_staffed == pytest.approx(3300 / 1800, abs=1e-6)
    # Busy: 240 + 120 s of talk and wrap-up.
    assert m.occupancy == pytest.approx(360 / 3300, abs=1e-6)


def test_the_second_half_hour_and_the_day(day) -> None:
    start = DAY + timedelta(hours=9, minutes=30)
    m = selectors.interval_metrics(start, start + timedelta(minutes=30))[0]
    assert (m.offered, m.answered, m.answered_within_15s) == (1, 1, 1)   # 15 s counts as within 15 s
    assert m.aht_seconds == 60.0 and m.asa_seconds == 15.0
    assert m.agents_staffed == pytest.approx(600 / 1800, abs=1e-6)       # 8002 until 09:40
    assert m.occupancy == pytest.approx(60 / 600, abs=1e-6)
    day_start = DAY
    s = selectors.queue_summary(day_start, day_start + timedelta(days=1))
    assert (s.offered, s.answered, s.answered_within_15s, s.abandoned, s.short_abandoned) == (5, 3, 2, 1, 1)
    assert s.connect_rate == 0.6 and s.service_level == pytest.approx(2 / 3)
    assert s.asa_seconds == pytest.approx((10 + 30 + 15) / 3, abs=1e-6)
    assert s.aht_seconds == pytest.approx((240 + 120 + 60) / 3, abs=1e-6)
    assert s.occupancy == pytest.approx(420 / 3900, abs=1e-6)
    assert s.agents_staffed == pytest.approx(3900 / 86400, abs=1e-6)


def test_offered_per_interval_is_zero_filled_in_local_half_hours(day) -> None:
    rows = selectors.offered_per_interval(DAY + timedelta(hours=8, minutes=45), DAY + timedelta(hours=10))
    assert [(t.strftime("%H:%M"), n) for t, n in rows] == [("09:00", 4), ("09:30", 1)]
    assert all(str(t.tzinfo) == "Asia/Shanghai" for t, _ in rows)
    assert selectors.interval_metrics(DAY, DAY + timedelta(hours=1))[0].connect_rate is None


def test_per_agent_figures(day) -> None:
    figures = {f.agent.extension: f for f in selectors.agent_figures(DAY, DAY + timedelta(days=1))}
    a, b = figures["8001"], figures["8002"]
    assert (a.calls, a.aht_seconds, a.logged_in_seconds, a.not_ready_seconds) == (1, 240.0, 1800.0, 300.0)
    assert a.occupancy == pytest.approx(240 / 1500)
    assert (b.calls, b.logged_in_seconds, b.not_ready_seconds) == (2, 2400.0, 0.0)
    assert b.aht_seconds == pytest.approx((120 + 60) / 2)
    assert b.occupancy == pytest.approx(180 / 2400)
    only = selectors.agent_figures(DAY, DAY + timedelta(days=1), agents=[b.agent.pk])
    assert [(f.agent.extension, f.calls, f.logged_in_seconds) for f in only] == [("8002", 2, 2400.0)]
    assert selectors.agent_figures(DAY, DAY + timedelta(days=1), agents=[]) == []


def test_a_call_still_waiting_is_not_counted_yet(day) -> None:
    ingest(PbxSource.objects.get(), [ev("w1", "call.queued", at(50), call_id="w", caller="13800000009")])
    start = DAY + timedelta(hours=9, minutes=30)
    assert selectors.interval_metrics(start, start + timedelta(minutes=30))[0].offered == 1


def test_the_metrics_page_compares_with_the_targets(day, client) -> None:
    from hotline.tickets.tests.factories import UserFactory

    client.force_login(UserFactory(role="supervisor"))
    page = client.get("/calls/metrics/", {"date": "2025-03-04"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "60.0%" in html and "目标 ≥ 95.0%" in html and "66.7%" in html  # connect rate and 15 s rate of the day
    assert 'class="kpi below"' in html
    assert "8001" in html and "8002" in html
    client.force_login(UserFactory(role="unit_handler"))
    assert client.get("/calls/metrics/").status_code == 403
    client.force_login(UserFactory(role="intake"))
    assert client.get("/calls/metrics/").status_code == 403
    assert client.get("/calls/").url == "/calls/callbacks/"
