"""A callback put back after 无人接听 must not stay in the queue once the caller has got through."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from hotline.calls import callbacks
from hotline.calls.choices import CallbackStatus
from hotline.calls.ingest import ingest
from hotline.calls.models import Callback, PbxSource
from hotline.calls.tests.conftest import at, ev
from hotline.tickets.tests.factories import UserFactory

PHONE = "13912345678"


@pytest.fixture
def pbx(db: None, frozen_now: datetime) -> PbxSource:
    return PbxSource.objects.create(key="pbx", name="pbx", secret="x")


def answered(call_id: str, minute: float) -> list[dict]:
    return [ev(f"{call_id}q", "call.queued", at(minute), call_id=call_id, caller=PHONE),
            ev(f"{call_id}a", "call.answered", at(minute, 5), call_id=call_id, agent="8001")]


@pytest.fixture
def retried(pbx: PbxSource) -> Callback:
    """A callback of a call missed at 09:00, called once without answer: open again, waiting for its retry."""
    agent = UserFactory(role="intake")
    ingest(pbx, [ev("c1q", "call.queued", at(0), call_id="c1", caller=PHONE),
                 ev("c1x", "call.abandoned", at(0, 40), call_id="c1")])
    cb = callbacks.claim(Callback.objects.get(), actor=agent)
    return callbacks.record_outcome(cb, actor=agent, outcome="no_answer")  # open again, retry in 30 min


def test_a_callback_waiting_for_its_retry_is_dropped_when_the_caller_gets_through(pbx, retried) -> None:
    version = retried.version
    # 20 minutes after the missed call the citizen calls the hotline again and is answered
    ingest(pbx, answered("c2", 20))
    other = UserFactory(role="intake")
    assert [c.phone for c in callbacks.queue_for(other)] == []  # nobody should ring them back now
    cb = Callback.objects.get()
    assert (cb.status, cb.superseded_by.call_id, cb.version) == (CallbackStatus.SUPERSEDED, "c2", version + 1)
    assert cb.closed_at is not None and cb.attempts == 1
    assert sorted(cb.call_links.values_list("call__call_id", flat=True)) == ["c1"]  # it keeps its calls
    last = cb.events.order_by("-at", "-id").first()
    assert (last.action, last.from_status, last.to_status, last.note) == ("supersede", "open", "superseded", "c2")
    ingest(pbx, answered("c2", 20))  # the same events again change nothing
    assert Callback.objects.get().version == version + 1 and cb.events.filter(action="supersede").count() == 1


def test_a_claimed_callback_is_left_to_its_agent(pbx, retried, frozen_now) -> None:
    agent = UserFactory(role="intake")
    with time_machine.travel(frozen_now + timedelta(minutes=31), tick=False):  # the retry is due
        callbacks.claim(retried, actor=agent)
    ingest(pbx, answered("c2", 20))
    cb = Callback.objects.get()
    assert (cb.status, cb.claimed_by) == (CallbackStatus.CLAIMED, agent)


def test_getting_through_after_the_window_leaves_the_retry_in_the_queue(pbx, retried) -> None:
    """Missed at 09:00, tried (no answer) at 10:00 (the frozen clock): a call answered at 12:30 is too late."""
    ingest(pbx, answered("c2", 210))
    assert Callback.objects.get().status == CallbackStatus.OPEN


def test_getting_through_within_the_window_after_the_failed_attempt_also_drops_it(pbx, retried) -> None:
    """Tried (no answer) at 10:00: a call answered at 11:30 — more than 120 minutes after the missed call, but
    after the agent's attempt — means the caller got through."""
    ingest(pbx, answered("c2", 150))
    cb = Callback.objects.get()
    assert (cb.status, cb.superseded_by.call_id) == (CallbackStatus.SUPERSEDED, "c2")


def test_a_new_missed_call_after_the_answered_one_keeps_it_in_the_queue(pbx, retried) -> None:
    """The caller got through at 09:20 but missed again at 09:40: the new missed call joins the callback,
    and no answered call follows it."""
    ingest(pbx, [*answered("c2", 20), ev("c3q", "call.queued", at(40), call_id="c3", caller=PHONE),
                 ev("c3x", "call.abandoned", at(40, 30), call_id="c3")])
    cb = Callback.objects.get(status__in=["open", "claimed"])
    assert cb.pk == retried.pk and cb.missed_count == 2
