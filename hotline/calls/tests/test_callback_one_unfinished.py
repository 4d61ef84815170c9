"""One unfinished callback per number: two batches racing, missed calls joining the callback being worked on,
and migration 0005 merging the duplicates stored before the constraint."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from hotline.calls import callbacks
from hotline.calls.choices import CallbackStatus
from hotline.calls.ingest import ingest
from hotline.calls.models import Callback, CallbackCall, PbxSource
from hotline.calls.tests.conftest import at, ev
from hotline.tickets.tests.factories import UserFactory

PHONE = "13912345678"


@pytest.fixture
def pbx(db: None, frozen_now: datetime) -> PbxSource:
    return PbxSource.objects.create(key="pbx", name="pbx", secret="x")


def abandoned(call_id: str, minute: float, *, phone: str = PHONE) -> list[dict]:
    return [ev(f"{call_id}q", "call.queued", at(minute), call_id=call_id, caller=phone),
            ev(f"{call_id}x", "call.abandoned", at(minute, 40), call_id=call_id)]


def answered(call_id: str, minute: float, *, phone: str = PHONE) -> list[dict]:
    return [ev(f"{call_id}q", "call.queued", at(minute), call_id=call_id, caller=phone),
            ev(f"{call_id}a", "call.answered", at(minute, 5), call_id=call_id, agent="8001")]


def calls_of(cb: Callback) -> list[str]:
    return sorted(cb.call_links.values_list("call__call_id", flat=True))


def unfinished() -> list[Callback]:
    return list(Callback.objects.filter(phone=PHONE, status__in=["open", "claimed"]))


def test_the_database_refuses_a_second_unfinished_callback_of_a_number(pbx) -> None:
    ingest(pbx, abandoned("c1", 0))
    first = Callback.objects.get()
    fields = {"phone": PHONE, "first_missed_at": first.first_missed_at, "last_missed_at": first.last_missed_at,
              "due_at": first.due_at}
    for status in ("open", "claimed"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Callback.objects.create(status=status, **fields)
    Callback.objects.create(status="reached", **fields)  # finished ones are history: any number of them
    Callback.objects.create(status="superseded", **fields)
    Callback.objects.create(status="open", **(fields | {"phone": "13800000000"}))


def test_a_batch_that_lost_the_race_adds_its_missed_call_to_the_winners_callback(pbx) -> None:
    """Two batches with a new caller's calls both find no callback; the second's insert is refused by the
    constraint, and it joins the first one's callback instead of failing the batch (or opening a second)."""
    rival = PbxSource.objects.create(key="pbx-2", name="pbx-2", secret="y")
    real = callbacks._callbacks_of
    seen: list[int] = []

    def racing(phone: str) -> list[Callback]:
        found = real(phone)  # this batch reads: no callback yet …
        seen.append(len(found))
        if len(seen) == 1:  # … and the other batch creates one before this one inserts
            ingest(rival, abandoned("r1", 1))
        return found

    with mock.patch.object(callbacks, "_callbacks_of", side_effect=racing):
        ingest(pbx, abandoned("c1", 0))
    assert seen == [0, 0, 1]  # read, the rival's own read, the read again after the refused insert
    cb = Callback.objects.get()
    assert (cb.status, cb.missed_count, calls_of(cb)) == (CallbackStatus.OPEN, 2, ["c1", "r1"])
    assert list(cb.events.values_list("action", flat=True)) == ["create"]  # the refused try left nothing
    ingest(pbx, abandoned("c2", 5))  # and the transaction goes on as usual
    assert Callback.objects.get().missed_count == 3


def test_a_second_refusal_is_not_hidden(pbx) -> None:
    with mock.patch.object(callbacks, "_callbacks_of", return_value=[]):
        ingest(pbx, abandoned("c1", 0))
        with pytest.raises(IntegrityError):
            ingest(pbx, abandoned("c2", 5, phone=PHONE))
    assert Callback.objects.get().missed_count == 1


def test_new_missed_calls_join_the_callback_an_agent_is_working_on(pbx, frozen_now) -> None:
    agent = UserFactory(role="intake")
    ingest(pbx, abandoned("c1", 0))
    cb = callbacks.claim(Callback.objects.get(), actor=agent)
    ingest(pbx, abandoned("c2", 10))  # the citizen calls again while the agent is dialling them
    assert [x.pk for x in unfinished()] == [cb.pk]
    cb.refresh_from_db()
    assert (cb.status, cb.claimed_by, cb.missed_count, calls_of(cb)) == ("claimed", agent, 2, ["c1", "c2"])
    assert cb.due_at == callbacks.due_for(cb.first_missed_at)  # the first missed call's deadline stands
    callbacks.record_outcome(cb, actor=agent, outcome="no_answer")
    ingest(pbx, abandoned("c3", 20))  # open again for a retry: still the one callback
    cb.refresh_from_db()
    assert [x.pk for x in unfinished()] == [cb.pk]
    assert (cb.status, cb.attempts, cb.missed_count, calls_of(cb)) == ("open", 1, 3, ["c1", "c2", "c3"])
    assert cb.last_missed_at == datetime.fromisoformat(at(20, 40))


def test_after_the_callback_is_finished_a_new_missed_call_opens_a_new_one(pbx) -> None:
    agent = UserFactory(role="intake")
    ingest(pbx, abandoned("c1", 0))
    cb = callbacks.claim(Callback.objects.get(), actor=agent)
    callbacks.record_outcome(cb, actor=agent, outcome="reached")
    ingest(pbx, abandoned("c2", 10))
    new = Callback.objects.get(status="open")
    assert new.pk != cb.pk and calls_of(new) == ["c2"] and calls_of(cb) == ["c1"]


def test_a_missed_call_followed_by_an_answered_one_is_superseded_beside_an_open_callback(pbx) -> None:
    """A superseded callback is stored as such at once (never a second open one for a moment); its record reads
    created, then superseded, as before."""
    agent = UserFactory(role="intake")
    ingest(pbx, abandoned("c1", 0))
    cb = callbacks.claim(Callback.objects.get(), actor=agent)
    ingest(pbx, abandoned("c2", 10) + answered("c3", 15))
    gone = Callback.objects.get(status="superseded")
    assert calls_of(gone) == ["c2"] and calls_of(cb) == ["c1"]
    assert list(gone.events.values_list("action", "from_status", "to_status")) == [
        ("create", "", "open"), ("supersede", "open", "superseded")]


def test_a_released_callback_is_regrouped_as_before(pbx) -> None:
    agent = UserFactory(role="intake")
    ingest(pbx, abandoned("c1", 0))
    cb = callbacks.claim(Callback.objects.get(), actor=agent)
    callbacks.release(cb, actor=agent)
    ingest(pbx, abandoned("c2", 10))
    cb.refresh_from_db()
    assert (Callback.objects.count(), cb.status, cb.missed_count, calls_of(cb)) == (1, "open", 2, ["c1", "c2"])


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_the_duplicates_stored_before_the_constraint(frozen_now) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("calls", "0004_span_agent_day")])
    apps = executor.loader.project_state([("calls", "0004_span_agent_day")]).apps
    Source, OldCall, OldCallback, Link = (apps.get_model("calls", name)
                                          for name in ("PbxSource", "Call", "Callback", "CallbackCall"))
    agent = UserFactory(role="intake")
    source = Source.objects.create(key="pbx", name="pbx", secret="x")
    base = datetime.fromisoformat(at(0))

    def callback(phone: str, call_ids: list[str], minute: int, **fields: object) -> None:
        moment = base + timedelta(minutes=minute)
        cb = OldCallback.objects.create(phone=phone, first_missed_at=moment, last_missed_at=moment,
                                        due_at=moment + timedelta(hours=2), missed_count=len(call_ids), **fields)
        for call_id in call_ids:
            call = OldCall.objects.create(source=source, call_id=call_id, caller=phone, offered_at=moment,
                                          disposition="abandoned", abandoned_at=moment)
            Link.objects.create(callback=cb, call=call)

    # being called: a second callback was opened for the later missed call (as before this change)
    callback(PHONE, ["a2"], 30, status="open")
    callback(PHONE, ["a1"], 0, status="claimed", claimed_by_id=agent.pk, claimed_at=base)
    # two batches at once opened two
    callback("13800000002", ["b1"], 0, status="open")
    callback("13800000002", ["b2", "b3"], 10, status="open")
    # one unfinished and one finished: nothing to do
    callback("13800000003", ["c1"], 0, status="reached")
    callback("13800000003", ["c2"], 10, status="open")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    kept = Callback.objects.get(phone=PHONE, status__in=["open", "claimed"])
    merged = Callback.objects.get(phone=PHONE, status=CallbackStatus.MERGED)
    assert (kept.status, kept.claimed_by, kept.missed_count, calls_of(kept)) == ("claimed", agent, 2, ["a1", "a2"])
    assert kept.last_missed_at == base + timedelta(minutes=30) and kept.due_at == base + timedelta(hours=2)
    assert (merged.claimed_by, merged.closed_at is not None, calls_of(merged)) == (None, True, [])
    record = merged.events.get()
    assert (record.action, record.from_status, record.to_status) == ("merge", "open", "merged")
    assert f"已并入回拨 #{kept.pk}" in record.note
    assert kept.events.get().action == "merge"

    kept = Callback.objects.get(phone="13800000002", status="open")
    assert (kept.first_missed_at, kept.missed_count, calls_of(kept)) == (base, 3, ["b1", "b2", "b3"])
    assert Callback.objects.filter(phone="13800000002", status="merged").count() == 1
    assert sorted(Callback.objects.filter(phone="13800000003").values_list("status", flat=True)) == ["open", "reached"]
    assert CallbackCall.objects.count() == 7  # every missed call still answered for
    with pytest.raises(IntegrityError), transaction.atomic():  # and the constraint holds from now on
        Callback.objects.create(phone=PHONE, first_missed_at=base, last_missed_at=base, due_at=base)
