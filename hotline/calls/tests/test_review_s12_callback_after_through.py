"""A callback claimed while its caller got through must not go back in the queue once it is open again
(无人接听, 放回队列) or its claim has lapsed: it is closed as superseded (来电人已再次接通)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from hotline.calls import callbacks
from hotline.calls.choices import CallbackAction, CallbackStatus
from hotline.calls.ingest import ingest
from hotline.calls.models import Callback, CallbackEvent, PbxSource
from hotline.calls.tests.conftest import at, ev
from hotline.tickets.tests.factories import UserFactory

PHONE = "13912345678"


@pytest.fixture
def pbx(db: None, frozen_now: datetime) -> PbxSource:
    return PbxSource.objects.create(key="pbx", name="pbx", secret="x")


def missed_then_claimed(pbx: PbxSource) -> tuple[Callback, object]:
    """A call missed at 09:00, its callback claimed by an intake agent at 10:00."""
    agent = UserFactory(role="intake")
    ingest(pbx, [ev("c1q", "call.queued", at(0), call_id="c1", caller=PHONE),
                 ev("c1x", "call.abandoned", at(0, 40), call_id="c1")])
    return callbacks.claim(Callback.objects.get(), actor=agent), agent


def answered(pbx: PbxSource, minute: float) -> None:
    ingest(pbx, [ev("c2q", "call.queued", at(minute), call_id="c2", caller=PHONE),
                 ev("c2a", "call.answered", at(minute, 5), call_id="c2", agent="8001")])


def test_no_answer_after_the_caller_got_through_while_claimed_closes_the_callback(pbx) -> None:
    cb, agent = missed_then_claimed(pbx)
    answered(pbx, 20)  # while the agent holds the claim, the citizen calls again at 09:20 and is answered
    assert Callback.objects.get(pk=cb.pk).status == CallbackStatus.CLAIMED  # left to its agent meanwhile
    done = callbacks.record_outcome(Callback.objects.get(pk=cb.pk), actor=agent, outcome="no_answer")
    assert done.status == CallbackStatus.SUPERSEDED
    stored = Callback.objects.get(pk=cb.pk)
    assert (stored.status, stored.superseded_by.call_id, stored.attempts) == (CallbackStatus.SUPERSEDED, "c2", 1)
    assert callbacks.queue_for(UserFactory(role="intake")) == []
    last = CallbackEvent.objects.filter(callback=cb).order_by("-id").first()
    assert (last.action, last.from_status, last.note) == (CallbackAction.SUPERSEDE, CallbackStatus.OPEN, "c2")


def test_release_after_the_caller_got_through_while_claimed_closes_the_callback(pbx) -> None:
    cb, agent = missed_then_claimed(pbx)
    answered(pbx, 20)
    done = callbacks.release(Callback.objects.get(pk=cb.pk), actor=agent)
    assert done.status == CallbackStatus.SUPERSEDED
    assert callbacks.queue_for(UserFactory(role="intake")) == []


def test_no_answer_without_the_caller_getting_through_goes_back_in_the_queue(pbx) -> None:
    cb, agent = missed_then_claimed(pbx)
    callbacks.record_outcome(Callback.objects.get(pk=cb.pk), actor=agent, outcome="no_answer")
    assert Callback.objects.get(pk=cb.pk).status == CallbackStatus.OPEN


def test_a_lapsed_claim_is_not_offered_once_the_caller_got_through(pbx, frozen_now) -> None:
    cb, _agent = missed_then_claimed(pbx)  # 10:00, the agent then goes to lunch
    with time_machine.travel(frozen_now + timedelta(minutes=30), tick=False):
        # the citizen called again at 10:20 and was answered; its events arrive at 10:30, the claim has lapsed
        answered(pbx, 80)
        assert callbacks.queue_for(UserFactory(role="intake")) == []
        stored = Callback.objects.get(pk=cb.pk)
        assert (stored.status, stored.claimed_by_id) == (CallbackStatus.SUPERSEDED, None)
        last = CallbackEvent.objects.filter(callback=cb).order_by("-id").first()
        assert (last.action, last.from_status) == (CallbackAction.SUPERSEDE, CallbackStatus.CLAIMED)


def test_an_active_claim_is_left_to_its_agent_when_the_caller_gets_through(pbx, frozen_now) -> None:
    cb, _agent = missed_then_claimed(pbx)
    with time_machine.travel(frozen_now + timedelta(minutes=5), tick=False):
        answered(pbx, 64)  # 10:04, the claim (10:00) still holds
        assert Callback.objects.get(pk=cb.pk).status == CallbackStatus.CLAIMED
