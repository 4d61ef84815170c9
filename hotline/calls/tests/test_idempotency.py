"""Late, repeated and out-of-order delivery gives the same derived records, callbacks and metrics."""

from __future__ import annotations

import dataclasses
import random
from datetime import date
from typing import Any

import pytest

from hotline.calls import selectors
from hotline.calls.ingest import ingest, replay_fresh
from hotline.calls.models import (
    Agent,
    AgentSpan,
    Call,
    Callback,
    CallbackCall,
    CallbackEvent,
    CallEvent,
    PbxSource,
)
from hotline.intelligence.callsim import SimParams, disorder, plan_day

pytestmark = pytest.mark.usefixtures("frozen_now")
DAY = date(2025, 3, 3)  # the day before the frozen clock's


def snapshot() -> dict[str, Any]:
    """Everything derived from the events, without database ids or arrival times."""
    calls = sorted(
        (row for row in Call.objects.values("call_id", "caller", "agent__extension", "disposition", "offered_at",
                                            "queued_at", "answered_at", "abandoned_at", "ended_at", "wrap_end_at",
                                            "transferred_to", "end_reason", "interval_start", "wait_seconds",
                                            "talk_seconds", "wrap_seconds", "events_count")),
        key=lambda r: r["call_id"])
    spans = sorted(AgentSpan.objects.values_list("agent__extension", "day", "state", "start", "end"))
    callbacks = sorted(
        (cb.phone, cb.status, cb.first_missed_at, cb.last_missed_at, cb.missed_count, cb.due_at,
         cb.superseded_by.call_id if cb.superseded_by else None,
         tuple(sorted(cb.call_links.values_list("call__call_id", flat=True))))
        for cb in Callback.objects.select_related("superseded_by"))
    start, end = selectors.day_bounds(DAY)
    return {"calls": calls, "spans": spans, "callbacks": callbacks,
            "intervals": selectors.interval_metrics(start, end), "summary": selectors.queue_summary(start, end),
            "agents": [(f.agent.extension, f.calls, f.aht_seconds, f.logged_in_seconds, f.not_ready_seconds)
                       for f in selectors.agent_figures(start, end)]}


def _rounded(value: Any) -> Any:
    """Floats to 3 decimals, all the way down: a database may add the same floats in another order."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_rounded(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _rounded(dataclasses.asdict(value))
    return value


def wipe() -> None:
    for model in (CallbackEvent, CallbackCall, Callback, Call, AgentSpan, CallEvent, Agent):
        model.objects.all().delete()


@pytest.fixture
def day_events() -> list[dict]:
    # Few seats for the calls, so that the day has abandons, missed-call callbacks and repeat callers.
    plan = plan_day(SimParams(day=DAY, calls=240, seats=4, seed=7, max_wait=240))
    events = plan.events
    # Repeat callers: some callers call again later the same day (then a callback may be superseded).
    rng = random.Random(3)
    callers = [e["caller"] for e in events if e["type"] == "call.offered"]
    mapping = {c: rng.choice(callers[:40]) for c in callers[40:] if rng.random() < 0.4}
    for e in events:
        if "caller" in e:
            e["caller"] = mapping.get(e["caller"], e["caller"])
    return events


def test_shuffled_and_duplicated_delivery_gives_identical_results(db, day_events) -> None:
    source = PbxSource.objects.create(key="pbx", name="pbx", secret="x")
    ingest(source, day_events)
    in_order = snapshot()
    assert in_order["summary"].abandoned > 0 and in_order["summary"].answered > 0
    assert any(cb[1] == "open" for cb in in_order["callbacks"])
    assert any(cb[1] == "superseded" for cb in in_order["callbacks"])

    for seed in (1, 2):
        wipe()
        shuffled = disorder(day_events, seed=seed, duplicate_share=0.1, window=400)
        random.Random(seed).shuffle(shuffled)  # and then thoroughly out of order
        rng = random.Random(seed)
        position = 0
        while position < len(shuffled):  # batches of random sizes, some sent twice
            size = rng.randint(1, 300)
            batch = shuffled[position:position + size]
            ingest(source, batch)
            if rng.random() < 0.2:
                assert ingest(source, batch).accepted == 0
            position += size
        again = snapshot()
        for a, b in zip(again["intervals"], in_order["intervals"], strict=True):
            assert _rounded(a) == _rounded(b)
        assert _rounded(again) == _rounded(in_order)


def test_the_demo_fast_path_derives_the_same_as_the_intake(db, day_events) -> None:
    source = PbxSource.objects.create(key="pbx", name="pbx", secret="x")
    ingest(source, day_events)
    expected = snapshot()
    wipe()
    replay_fresh(source, day_events)
    assert _rounded(snapshot()) == _rounded(expected)
