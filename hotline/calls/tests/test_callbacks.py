"""Callbacks of missed calls: when they are created, claims, outcomes, retries and refusals."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from hotline.calls import callbacks
from hotline.calls.choices import CallbackStatus
from hotline.calls.exceptions import CallbackError, ClaimConflict
from hotline.calls.ingest import ingest
from hotline.calls.models import Call, Callback, PbxSource
from hotline.calls.tests.conftest import at, ev
from hotline.tickets.tests.factories import SHANGHAI, UserFactory

PHONE = "13912345678"


@pytest.fixture
def pbx(db: None, frozen_now: datetime) -> PbxSource:
    return PbxSource.objects.create(key="pbx", name="pbx", secret="x")


def abandoned(call_id: str, minute: float, *, wait: float = 40, phone: str = PHONE) -> list[dict]:
    return [ev(f"{call_id}q", "call.queued", at(minute), call_id=call_id, caller=phone),
            ev(f"{call_id}x", "call.abandoned", at(minute, wait), call_id=call_id)]


def answered(call_id: str, minute: float, *, phone: str = PHONE) -> list[dict]:
    return [ev(f"{call_id}q", "call.queued", at(minute), call_id=call_id, caller=phone),
            ev(f"{call_id}a", "call.answered", at(minute, 5), call_id=call_id, agent="8001")]


def stored(cb: Callback) -> dict:
    return Callback.objects.filter(pk=cb.pk).values().get() | {"events": cb.events.count()}


def test_an_abandoned_call_opens_a_callback_due_two_working_hours_later(pbx) -> None:
    ingest(pbx, abandoned("c1", 0))
    cb = Callback.objects.get()
    assert cb.status == CallbackStatus.OPEN and cb.phone == PHONE and cb.missed_count == 1
    assert cb.first_missed_at == datetime(2025, 3, 4, 9, 0, 40, tzinfo=SHANGHAI)
    assert cb.due_at == cb.first_missed_at + timedelta(hours=2)  # Tuesday: a working day
    assert list(cb.events.values_list("action", flat=True)) == ["create"]


def test_a_call_missed_on_a_saturday_is_due_on_the_next_working_day(pbx) -> None:
    saturday = datetime(2025, 3, 8, 10, 0, tzinfo=SHANGHAI)
    assert callbacks.due_for(saturday) == datetime(2025, 3, 10, 2, 0, tzinfo=SHANGHAI)


def test_a_caller_who_got_through_later_needs_no_callback(pbx, client) -> None:
    ingest(pbx, abandoned("c1", 0) + answered("c2", 30))
    cb = Callback.objects.get()
    assert cb.status == CallbackStatus.SUPERSEDED and cb.superseded_by.call_id == "c2"
    assert callbacks.queue_for(UserFactory(role="intake")) == []


def test_the_same_when_the_answered_call_is_reported_first(pbx) -> None:
    ingest(pbx, answered("c2", 30))
    ingest(pbx, abandoned("c1", 0))
    assert Callback.objects.get().status == CallbackStatus.SUPERSEDED


def test_getting_through_after_the_window_does_not_cancel_the_callback(pbx) -> None:
    ingest(pbx, abandoned("c1", 0) + answered("c2", 125))
    assert Callback.objects.get().status == CallbackStatus.OPEN


def test_a_call_first_reported_abandoned_then_answered_withdraws_its_callback(pbx) -> None:
    ingest(pbx, [ev("q", "call.queued", at(0), call_id="c1", caller=PHONE),
                 ev("e", "call.ended", at(3), call_id="c1")])
    assert Callback.objects.count() == 1
    ingest(pbx, [ev("a", "call.answered", at(0, 10), call_id="c1", agent="8001")])
    assert Callback.objects.count() == 0


def test_repeated_missed_calls_of_one_caller_share_one_callback(pbx) -> None:
    ingest(pbx, abandoned("c1", 0) + abandoned("c2", 5) + abandoned("c3", 10, phone="13700000000"))
    mine = Callback.objects.get(phone=PHONE)
    assert mine.missed_count == 2 and mine.call_links.count() == 2
    assert Callback.objects.count() == 2


def test_short_abandons_and_withheld_numbers_get_no_callback(pbx, settings) -> None:
    ingest(pbx, abandoned("c1", 0, wait=3) + abandoned("c2", 5, phone=""))
    assert Callback.objects.count() == 0
    settings.HOTLINE_CALLS_CALLBACK_SHORT_ABANDONS = 1
    ingest(pbx, abandoned("c3", 10, wait=2))
    assert Callback.objects.get().missed_count == 2  # c1 and c3, both short


def test_a_missed_call_dropped_by_the_acd_gets_a_callback(pbx) -> None:
    ingest(pbx, [ev("q", "call.queued", at(0), call_id="c1", caller=PHONE),
                 ev("e", "call.ended", at(10), call_id="c1", reason="queue_timeout")])
    cb = Callback.objects.get()
    assert cb.call_links.get().call.disposition == "missed"


@pytest.fixture
def cb(pbx) -> Callback:
    ingest(pbx, abandoned("c1", 0))
    return Callback.objects.get()


def test_claim_locks_the_callback_for_one_agent(cb) -> None:
    a, b = UserFactory(role="intake"), UserFactory(role="intake")
    callbacks.claim(cb, actor=a)
    assert cb.status == CallbackStatus.CLAIMED and cb.claimed_by == a
    before = stored(cb)
    with pytest.raises(ClaimConflict, match="正在回拨"):
        callbacks.claim(cb, actor=b)
    with pytest.raises(ClaimConflict):
        callbacks.release(cb, actor=b)
    with pytest.raises(ClaimConflict):
        callbacks.record_outcome(cb, actor=b, outcome="reached")
    assert stored(cb) == before
    callbacks.claim(cb, actor=a)  # claiming again is a no-op
    assert stored(cb) == before


def test_a_forgotten_claim_lapses(cb, frozen_now) -> None:
    a, b = UserFactory(role="intake"), UserFactory(role="intake")
    callbacks.claim(cb, actor=a)
    with time_machine.travel(frozen_now + timedelta(minutes=16), tick=False):
        callbacks.claim(cb, actor=b)
    assert cb.claimed_by == b


def test_a_supervisor_may_release_someone_elses_claim(cb) -> None:
    callbacks.claim(cb, actor=UserFactory(role="intake"))
    callbacks.release(cb, actor=UserFactory(role="supervisor"), note="交班")
    assert cb.status == CallbackStatus.OPEN and cb.claimed_by is None
    assert list(cb.events.values_list("action", "from_status", "to_status")) == [
        ("create", "", "open"), ("claim", "open", "claimed"), ("release", "claimed", "open")]


def test_outcomes_close_the_callback(cb) -> None:
    agent = UserFactory(role="intake")
    callbacks.claim(cb, actor=agent)
    callbacks.record_outcome(cb, actor=agent, outcome="resolved", note="已解答")
    assert cb.status == CallbackStatus.RESOLVED and cb.attempts == 1 and cb.closed_at is not None
    event = cb.events.last()
    assert (event.action, event.outcome, event.note, event.actor) == ("outcome", "resolved", "已解答", agent)
    before = stored(cb)
    with pytest.raises(CallbackError, match="已结束"):
        callbacks.claim(cb, actor=agent)
    assert stored(cb) == before


def test_no_answer_allows_retries_up_to_the_limit(cb, frozen_now) -> None:
    agent = UserFactory(role="intake")
    moment = frozen_now
    for attempt in (1, 2):
        with time_machine.travel(moment, tick=False):
            callbacks.claim(cb, actor=agent)
            callbacks.record_outcome(cb, actor=agent, outcome="no_answer")
        assert cb.status == CallbackStatus.OPEN and cb.attempts == attempt
        assert cb.next_attempt_at == moment + timedelta(minutes=30)
        with time_machine.travel(moment + timedelta(minutes=10), tick=False), \
                pytest.raises(CallbackError, match="稍后再拨"):
            callbacks.claim(cb, actor=agent)
        moment += timedelta(minutes=31)
    with time_machine.travel(moment, tick=False):
        callbacks.claim(cb, actor=agent)
        callbacks.record_outcome(cb, actor=agent, outcome="no_answer")
    assert cb.status == CallbackStatus.UNREACHABLE and cb.attempts == 3


def test_refused_steps_change_nothing(cb) -> None:
    agent = UserFactory(role="intake")
    before = stored(cb)
    with pytest.raises(CallbackError, match="先领取"):
        callbacks.record_outcome(cb, actor=agent, outcome="reached")
    with pytest.raises(CallbackError, match="未被领取"):
        callbacks.release(cb, actor=agent)
    with pytest.raises(CallbackError, match="只有"):
        callbacks.claim(cb, actor=UserFactory(role="unit_handler"))
    callbacks.claim(cb, actor=agent)
    claimed = stored(cb)
    with pytest.raises(CallbackError, match="未知"):
        callbacks.record_outcome(cb, actor=agent, outcome="maybe")
    assert stored(cb) == claimed
    assert before["status"] == "open"


def test_an_agent_works_the_queue_from_the_pages(cb, client) -> None:
    a, b = UserFactory(role="intake"), UserFactory(role="intake")
    client.force_login(a)
    page = client.get("/calls/callbacks/")
    assert page.status_code == 200 and "139****5678" not in page.content.decode()  # centre staff: full number
    assert PHONE in page.content.decode()
    assert client.post(f"/calls/callbacks/{cb.pk}/", {"step": "claim"}).status_code == 302
    client.force_login(b)
    refused = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "claim"})
    assert refused.status_code == 409 and "正在回拨" in refused.content.decode()
    client.force_login(a)
    done = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "outcome", "outcome": "reached", "note": "ok"})
    assert done.status_code == 302
    cb.refresh_from_db()
    assert cb.status == "reached"


def test_the_outcome_form_links_an_order_by_its_number(cb, client) -> None:
    from hotline.tickets.tests.factories import make_ticket

    ticket = make_ticket()
    agent = UserFactory(role="intake")
    callbacks.claim(cb, actor=agent)
    client.force_login(agent)
    missing = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "outcome", "outcome": "reached", "order": "nope"})
    assert missing.status_code == 409
    cb.refresh_from_db()
    assert cb.status == "claimed"
    client.post(f"/calls/callbacks/{cb.pk}/", {"step": "outcome", "outcome": "reached", "order": ticket.number})
    cb.refresh_from_db()
    assert cb.ticket == ticket


def test_unit_staff_cannot_see_the_queue(cb, client) -> None:
    client.force_login(UserFactory(role="unit_handler"))
    assert client.get("/calls/callbacks/").status_code == 403
    assert client.get(f"/calls/callbacks/{cb.pk}/").status_code == 403


@pytest.mark.parametrize("withheld", ["anonymous", "Restricted", "0", "000000", "unknown-number", "+", "12"])
def test_withheld_caller_ids_are_stored_empty_and_get_no_callback(pbx, withheld) -> None:
    ingest(pbx, abandoned("c1", 0, phone=withheld))
    assert Callback.objects.count() == 0
    assert Call.objects.get(call_id="c1").caller == ""


def test_a_withheld_caller_already_stored_gets_no_callback(pbx) -> None:
    ingest(pbx, abandoned("c1", 0))
    call = Call.objects.get(call_id="c1")
    Callback.objects.all().delete()
    Call.objects.filter(pk=call.pk).update(caller="anonymous")  # stored before withheld ids were recognised
    callbacks.on_calls_changed(Call.objects.all())
    assert Callback.objects.count() == 0
    assert callbacks.dialable("+8613912345678") and callbacks.dialable("05718765432")
