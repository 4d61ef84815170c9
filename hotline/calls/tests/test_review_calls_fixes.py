"""Review fixes in the call centre: wrap-ups, midnight, batching, per-agent counts, 15 秒应答率, bad CTI input.

The clock is frozen at 10:00 on `DAY` (2025-03-04); "yesterday" is 2025-03-03.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from hotline.calls import selectors
from hotline.calls.ingest import ingest, replay_fresh
from hotline.calls.models import AgentSpan, Call, Callback, CallEvent, PbxSource
from hotline.calls.signing import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from hotline.calls.tests.conftest import DAY, ev

pytestmark = pytest.mark.usefixtures("frozen_now")
YESTERDAY = DAY - timedelta(days=1)


def t(day_offset: int, h: int, m: int, s: int = 0) -> str:
    """An ISO timestamp `day_offset` days from the test day, at h:m:s local time."""
    return (DAY + timedelta(days=day_offset, hours=h, minutes=m, seconds=s)).isoformat()


def _on(when: str) -> datetime:
    return datetime.fromisoformat(when)


def derived() -> dict[str, Any]:
    """The derived records and the figures of yesterday and today, without ids."""
    calls = sorted(Call.objects.values_list("call_id", "disposition", "ended_at", "wrap_end_at", "wrap_seconds"))
    spans = sorted(AgentSpan.objects.values_list("agent__extension", "day", "state", "start", "end"))
    figures = []
    for day in (YESTERDAY, DAY):
        end = day + timedelta(days=1)
        figures.append((selectors.queue_summary(day, end), selectors.interval_metrics(day, end),
                        [(f.agent.extension, f.calls, f.aht_seconds, f.logged_in_seconds, f.not_ready_seconds)
                         for f in selectors.agent_figures(day, end)]))
    return {"calls": calls, "spans": spans, "figures": figures}


def forget_everything() -> None:
    """Delete the stored events and everything derived from them (to take the same events in another way)."""
    Callback.objects.all().delete()
    Call.objects.all().delete()
    AgentSpan.objects.all().delete()
    CallEvent.objects.all().delete()


def same_whatever_the_batching(source: PbxSource, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Take the events in at once, one by one in reverse, per day in order (fast path) and per day in reverse:
    the derived records and figures must be identical every time. Returns them."""
    ingest(source, events)
    expected = derived()
    ways = [[[e] for e in reversed(events)]]
    by_day: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_day.setdefault(e["at"][:10], []).append(e)
    ways.append(list(reversed(by_day.values())))
    for batches in ways:
        forget_everything()
        for batch in batches:
            ingest(source, batch)
        assert derived() == expected, batches
    forget_everything()
    for day in sorted(by_day):  # the demo's path: one fresh day after the other
        replay_fresh(source, by_day[day])
    assert derived() == expected
    return expected


# --- 1. a wrap-up belongs to the agent's latest call that ended before it -----------------------------------


def _two_calls() -> list[dict[str, Any]]:
    """Call 1 ends 09:30:00 without wrap-up; call 2 is answered 09:30:20, ends 09:30:50, wrap-up until 09:32."""
    return [ev("l", "agent.login", t(0, 9, 0), agent="8001"),
            ev("1q", "call.queued", t(0, 9, 29), call_id="c1", caller="13800000001"),
            ev("1a", "call.answered", t(0, 9, 29, 5), call_id="c1", agent="8001"),
            ev("1e", "call.ended", t(0, 9, 30), call_id="c1", agent="8001"),
            ev("2q", "call.queued", t(0, 9, 30, 15), call_id="c2", caller="13800000002"),
            ev("2a", "call.answered", t(0, 9, 30, 20), call_id="c2", agent="8001"),
            ev("2e", "call.ended", t(0, 9, 30, 50), call_id="c2", agent="8001"),
            ev("w", "agent.wrapup", t(0, 9, 30, 50), agent="8001"),
            ev("r", "agent.ready", t(0, 9, 32), agent="8001"),
            ev("o", "agent.logout", t(0, 9, 40), agent="8001")]


def test_a_later_calls_wrapup_is_not_also_given_to_the_call_before(source: PbxSource) -> None:
    same_whatever_the_batching(source, _two_calls())
    c1, c2 = Call.objects.get(call_id="c1"), Call.objects.get(call_id="c2")
    assert (c1.wrap_end_at, c1.wrap_seconds) == (None, None)
    assert (c2.wrap_end_at, c2.wrap_seconds) == (_on(t(0, 9, 32)), 70.0)
    summary = selectors.queue_summary(DAY + timedelta(hours=9), DAY + timedelta(hours=10))
    assert summary.aht_seconds == 77.5  # ((55 + 0) + (30 + 70)) / 2
    first, second = selectors.interval_metrics(DAY + timedelta(hours=9), DAY + timedelta(hours=10))
    assert first.occupancy == pytest.approx(55 / 1800, abs=1e-6)  # call 1's talk over 09:00–09:30 logged in and ready
    assert second.occupancy == pytest.approx(100 / 600, abs=1e-6)  # call 2's talk and wrap-up, not call 1's again
    (figures,) = selectors.agent_figures(DAY, DAY + timedelta(days=1))
    assert (figures.calls, figures.talk_seconds, figures.wrap_seconds) == (2, 85.0, 70.0)


def test_a_wrapup_after_the_latest_call_still_belongs_to_it_when_it_follows_within_a_minute(
        source: PbxSource) -> None:
    """The rule's other side: with no later call, the call that ended 40 s before the wrap-up gets it."""
    events = [e for e in _two_calls() if not e["id"].startswith("2")]
    events[-3] = ev("w", "agent.wrapup", t(0, 9, 30, 40), agent="8001")
    ingest(source, events)
    assert Call.objects.get(call_id="c1").wrap_seconds == 120.0  # 09:30:00 → 09:32:00


# --- 2. a wrap-up across midnight ------------------------------------------------------------------------------


def test_a_wrapup_across_midnight_ends_at_the_agents_next_state_event(source: PbxSource) -> None:
    events = [ev("l", "agent.login", t(-1, 23, 0), agent="8001"),
              ev("q", "call.queued", t(-1, 23, 58), call_id="c1", caller="13800000001"),
              ev("a", "call.answered", t(-1, 23, 58, 10), call_id="c1", agent="8001"),
              ev("e", "call.ended", t(-1, 23, 59, 30), call_id="c1", agent="8001"),
              ev("w", "agent.wrapup", t(-1, 23, 59, 30), agent="8001"),
              ev("r", "agent.ready", t(0, 0, 0, 20), agent="8001"),
              ev("o", "agent.logout", t(0, 0, 30), agent="8001")]
    same_whatever_the_batching(source, events)
    call = Call.objects.get(call_id="c1")
    assert (call.talk_seconds, call.wrap_seconds, call.wrap_end_at) == (80.0, 50.0, _on(t(0, 0, 0, 20)))
    assert selectors.queue_summary(YESTERDAY, DAY).aht_seconds == 130.0
    first = selectors.interval_metrics(DAY, DAY + timedelta(minutes=30))[0]
    assert first.occupancy == pytest.approx(20 / 1800, abs=1e-6)  # the wrap-up's 20 s after midnight, logged in to 00:30


def test_a_wrapup_begun_after_midnight_belongs_to_the_call_of_the_day_before(source: PbxSource) -> None:
    events = [ev("l", "agent.login", t(-1, 23, 0), agent="8001"),
              ev("q", "call.queued", t(-1, 23, 59), call_id="c1", caller="13800000001"),
              ev("a", "call.answered", t(-1, 23, 59, 10), call_id="c1", agent="8001"),
              ev("e", "call.ended", t(-1, 23, 59, 50), call_id="c1", agent="8001"),
              ev("w", "agent.wrapup", t(0, 0, 0, 10), agent="8001"),
              ev("r", "agent.ready", t(0, 0, 1), agent="8001"),
              ev("o", "agent.logout", t(0, 0, 30), agent="8001")]
    same_whatever_the_batching(source, events)
    assert Call.objects.get(call_id="c1").wrap_seconds == 70.0  # 23:59:50 → 00:01:00


# --- 3. an agent logged in over midnight -----------------------------------------------------------------------


def _over_midnight() -> list[dict[str, Any]]:
    """Logged in at 22:00 yesterday, never logged out; a call 00:10–00:15 today, no agent event since."""
    return [ev("l", "agent.login", t(-1, 22, 0), agent="8001"),
            ev("q", "call.queued", t(0, 0, 10), call_id="c1", caller="13800000001"),
            ev("a", "call.answered", t(0, 0, 10, 5), call_id="c1", agent="8001"),
            ev("e", "call.ended", t(0, 0, 15, 5), call_id="c1", agent="8001")]


def test_an_agent_logged_in_over_midnight_is_staffed_however_the_events_were_batched(source: PbxSource) -> None:
    events = _over_midnight()
    ingest(source, events[:1])  # as things happen: the log-in in the evening, the call after midnight
    ingest(source, events[1:])
    expected = derived()
    assert expected == same_whatever_the_batching(source, events)
    m = selectors.interval_metrics(DAY, DAY + timedelta(minutes=30))[0]
    assert m.answered == 1 and m.agents_staffed == pytest.approx(1.0)
    (figures,) = selectors.agent_figures(DAY, DAY + timedelta(hours=1))
    assert (figures.calls, figures.logged_in_seconds) == (1, pytest.approx(3600.0))


def test_a_state_carries_over_days_without_events(source: PbxSource) -> None:
    """Logged in two evenings ago, nothing yesterday, a call today: logged in all yesterday (read) and today until
    now (derived), whichever arrived first, the log-in or the call."""
    login = ev("l", "agent.login", t(-2, 22, 0), agent="8001")
    call = _over_midnight()[1:]
    ingest(source, call)
    ingest(source, [login])  # late: today's spans are derived again from the state carried over yesterday
    late = derived()
    forget_everything()
    ingest(source, [login])
    ingest(source, call)
    assert derived() == late
    assert list(AgentSpan.objects.filter(day=DAY.date()).values_list("state", "start", "end")) == [
        ("ready", DAY, None)]
    assert not AgentSpan.objects.filter(day=YESTERDAY.date()).exists()  # no event yesterday: nothing derived
    yesterday = {f.agent.extension: f for f in selectors.agent_figures(YESTERDAY, DAY)}
    assert yesterday["8001"].logged_in_seconds == 86400.0  # but read as logged in all day
    assert selectors.queue_summary(YESTERDAY, DAY).agents_staffed == pytest.approx(1.0)
    today = {f.agent.extension: f for f in selectors.agent_figures(DAY, DAY + timedelta(days=1))}
    assert today["8001"].logged_in_seconds == 10 * 3600.0  # midnight until now (10:00)


def test_a_logout_ends_the_carried_state(source: PbxSource) -> None:
    ingest(source, [ev("l", "agent.login", t(-2, 22, 0), agent="8001"),
                    ev("o", "agent.logout", t(-2, 23, 0), agent="8001")])
    assert selectors.agent_figures(YESTERDAY, DAY) == []
    assert selectors.queue_summary(YESTERDAY, DAY).agents_staffed == 0.0


# --- 4. per-agent answered calls agree with the day's answered calls ------------------------------------------


def test_per_agent_calls_are_counted_by_queue_entry_like_the_days_answered_calls(source: PbxSource) -> None:
    """Queued 23:59:55 yesterday, answered 00:00:05 today: yesterday's call, in both counts."""
    ingest(source, [ev("l", "agent.login", t(-1, 23, 0), agent="8001"),
                    ev("q", "call.queued", t(-1, 23, 59, 55), call_id="c1", caller="13800000001"),
                    ev("a", "call.answered", t(0, 0, 0, 5), call_id="c1", agent="8001"),
                    ev("e", "call.ended", t(0, 0, 2), call_id="c1", agent="8001"),
                    ev("o", "agent.logout", t(0, 0, 30), agent="8001")])
    counts = []
    for start in (YESTERDAY, DAY):
        end = start + timedelta(days=1)
        per_agent = sum(f.calls for f in selectors.agent_figures(start, end))
        assert per_agent == selectors.queue_summary(start, end).answered
        counts.append(per_agent)
    assert counts == [1, 0]


# --- 5. 15 秒应答率 of a day with no answered call --------------------------------------------------------------


def test_the_15s_rate_of_a_day_without_an_answered_call_is_a_dash_on_both_pages(source: PbxSource,
                                                                                client: Any) -> None:
    """15 秒应答率 = answered within 15 s / answered (docs/calls.md, docs/kpis.md): with no answered call there is
    no rate, on the calls page as on the KPI page (not 0.0 % on one and — on the other)."""
    from hotline.kpis import engine
    from hotline.kpis.periods import days_between
    from hotline.tickets.tests.factories import UserFactory

    ingest(source, [ev("q", "call.queued", t(0, 9, 0), call_id="c1", caller="13800000001"),
                    ev("x", "call.abandoned", t(0, 9, 1), call_id="c1")])
    summary = selectors.queue_summary(DAY, DAY + timedelta(days=1))
    assert (summary.offered, summary.answered, summary.service_level, summary.connect_rate) == (1, 0, None, 0.0)
    assert summary.service_level_of_offered == 0.0
    kpi = engine.call_figures(engine.context(days_between(DAY.date(), DAY.date())))["service_level"]
    assert kpi.value is None

    client.force_login(UserFactory(role="supervisor"))
    page = client.get("/calls/metrics/", {"date": "2025-03-04"})
    assert page.status_code == 200
    assert page.context["summary"]["sl"] == "—" and not page.context["summary"]["sl_low"]
    assert page.context["summary"]["connect"] == "0.0%"
    kpis = client.get(reverse("kpis"), {"start": "2025-03-04", "end": "2025-03-04"})
    assert kpis.status_code == 200
    cells = {c["kpi"].code: c["figure"] for c in kpis.context["cells"]}
    assert cells["service_level"].value is None and cells["connect"].value == 0.0


def test_the_15s_rate_with_answered_calls_is_the_same_on_both_pages(source: PbxSource) -> None:
    from hotline.kpis import engine
    from hotline.kpis.periods import days_between

    ingest(source, [ev("1q", "call.queued", t(0, 9, 0), call_id="c1"),
                    ev("1a", "call.answered", t(0, 9, 0, 10), call_id="c1", agent="8001"),
                    ev("2q", "call.queued", t(0, 9, 1), call_id="c2"),
                    ev("2a", "call.answered", t(0, 9, 1, 30), call_id="c2", agent="8001"),
                    ev("3q", "call.queued", t(0, 9, 2), call_id="c3"),
                    ev("3x", "call.abandoned", t(0, 9, 3), call_id="c3")])
    summary = selectors.queue_summary(DAY, DAY + timedelta(days=1))
    kpi = engine.call_figures(engine.context(days_between(DAY.date(), DAY.date())))["service_level"]
    assert summary.service_level == kpi.value == 0.5


# --- 6. and 7. malformed but signed or keyed CTI requests: 4xx, never 500 --------------------------------------


@pytest.mark.parametrize("timestamp", ["9" * 13, "9" * 400, "9" * 5000, "1" + "0" * 4300])
def test_a_timestamp_longer_than_12_digits_is_refused_like_a_bad_signature(source: PbxSource, client: Any,
                                                                          timestamp: str) -> None:
    body = b"[]"
    headers = {KEY_HEADER: source.key, TIMESTAMP_HEADER: timestamp,
               SIGNATURE_HEADER: signature(source.secret, timestamp, body)}  # even correctly signed
    response = client.post("/cti/v1/events", data=body, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "the timestamp must be Unix seconds"}
    assert not CallEvent.objects.exists()


def test_a_twelve_digit_timestamp_is_still_checked_against_the_clock(source: PbxSource, post: Any) -> None:
    response = post([], timestamp=999_999_999_999)
    assert response.status_code == 401 and "outside the allowed window" in response.json()["error"]


@pytest.mark.parametrize("depth", [100_000, 2_000])
def test_a_deeply_nested_signed_body_is_not_valid_json(post: Any, depth: int) -> None:
    response = post(None, raw=b"[" * depth + b"]" * depth)
    assert response.status_code == 400
    assert response.json() == {"error": "the body is not valid JSON"}
    assert not CallEvent.objects.exists()


def test_a_normally_nested_payload_is_still_taken_in(post: Any) -> None:
    event = ev("n1", "call.offered", t(0, 9, 0), call_id="c1", extra={"a": [[[{"b": 1}]]]})
    response = post({"events": [event]})
    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert json.loads(json.dumps(CallEvent.objects.get().payload)) == {"extra": {"a": [[[{"b": 1}]]]}}
