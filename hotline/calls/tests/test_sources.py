"""Two PBX sources may number their calls alike: each source's call is its own record."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from hotline.calls.choices import Disposition
from hotline.calls.ingest import ingest, replay_fresh
from hotline.calls.models import Call, PbxSource
from hotline.calls.tests.conftest import at, ev
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


def answered(prefix: str, call_id: str, phone: str, agent: str) -> list[dict]:
    return [ev(f"{prefix}q", "call.queued", at(0), call_id=call_id, caller=phone),
            ev(f"{prefix}a", "call.answered", at(0, 20), call_id=call_id, agent=agent)]


def abandoned(prefix: str, call_id: str, phone: str) -> list[dict]:
    return [ev(f"{prefix}q", "call.queued", at(1), call_id=call_id, caller=phone),
            ev(f"{prefix}x", "call.abandoned", at(1, 40), call_id=call_id)]


@pytest.fixture
def two_sources(db: None) -> tuple[PbxSource, PbxSource]:
    return (PbxSource.objects.create(key="pbx-east", name="东区交换机", secret="s1"),
            PbxSource.objects.create(key="pbx-west", name="西区交换机", secret="s2"))


def test_the_same_call_id_from_two_sources_makes_two_calls(two_sources) -> None:
    east, west = two_sources
    ingest(east, answered("e", "c-88", "13800000001", "8001"))
    ingest(west, abandoned("w", "c-88", "13900000002"))
    calls = {c.source_id: c for c in Call.objects.filter(call_id="c-88")}
    assert set(calls) == {east.pk, west.pk}
    assert calls[east.pk].disposition == Disposition.ANSWERED and calls[east.pk].caller == "13800000001"
    assert calls[west.pk].disposition == Disposition.ABANDONED and calls[west.pk].caller == "13900000002"
    assert calls[east.pk].events_count == 2 and calls[west.pk].events_count == 2


def test_a_late_event_changes_only_its_own_sources_call(two_sources) -> None:
    east, west = two_sources
    ingest(east, answered("e", "c-88", "13800000001", "8001"))
    ingest(west, abandoned("w", "c-88", "13900000002"))
    ingest(east, [ev("ee", "call.ended", at(4), call_id="c-88", agent="8001", reason="normal")])
    east_call = Call.objects.get(source=east, call_id="c-88")
    west_call = Call.objects.get(source=west, call_id="c-88")
    assert east_call.ended_at is not None and east_call.talk_seconds == pytest.approx(220)
    assert west_call.events_count == 2 and west_call.disposition == Disposition.ABANDONED


def test_a_day_replayed_from_a_second_source_does_not_touch_the_first(two_sources) -> None:
    east, west = two_sources
    replay_fresh(east, answered("e", "c-1", "13800000001", "8001"))
    replay_fresh(west, abandoned("w", "c-1", "13900000002"))
    assert Call.objects.filter(call_id="c-1").count() == 2
    assert Call.objects.get(source=east, call_id="c-1").disposition == Disposition.ANSWERED


def test_the_call_page_shows_only_its_sources_events(two_sources, client) -> None:
    east, west = two_sources
    ingest(east, answered("e", "c-88", "13800000001", "8001"))
    ingest(west, abandoned("w", "c-88", "13900000002"))
    client.force_login(UserFactory(role="supervisor"))
    west_call = Call.objects.get(source=west, call_id="c-88")
    page = client.get(f"/calls/c/{west_call.pk}/").content.decode()
    assert "西区交换机" in page and "放弃" in page
    assert "8001" not in page  # the east call's agent


@pytest.mark.django_db(transaction=True)
def test_the_migration_splits_calls_merged_before_it() -> None:
    """Calls stored before 0003 had one record per call id: the migration gives each source its own."""
    executor = MigrationExecutor(connection)
    executor.migrate([("calls", "0002_call_answered_index")])
    apps = executor.loader.project_state([("calls", "0002_call_answered_index")]).apps
    Source, Event, OldCall = (apps.get_model("calls", name) for name in ("PbxSource", "CallEvent", "Call"))
    east = Source.objects.create(key="pbx-east", name="东区", secret="s1")
    west = Source.objects.create(key="pbx-west", name="西区", secret="s2")
    stamp = datetime.fromisoformat
    Event.objects.create(source=east, event_id="e1", type="call.queued", at=stamp(at(0)), call_id="c-88",
                         payload={"caller": "13800000001"}, received_at=stamp(at(0)))
    Event.objects.create(source=west, event_id="w1", type="call.queued", at=stamp(at(1)), call_id="c-88",
                         payload={"caller": "13900000002"}, received_at=stamp(at(1)))
    Event.objects.create(source=west, event_id="w2", type="call.abandoned", at=stamp(at(1, 40)), call_id="c-88",
                         payload={}, received_at=stamp(at(1)))
    Event.objects.create(source=east, event_id="e9", type="call.queued", at=stamp(at(2)), call_id="c-99",
                         payload={"caller": "13800000009"}, received_at=stamp(at(2)))
    for call_id, caller in (("c-88", "13800000001"), ("c-99", "13800000009")):
        OldCall.objects.create(call_id=call_id, caller=caller, offered_at=stamp(at(0)), events_count=3)
    merged_pk = OldCall.objects.get(call_id="c-88").pk
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    kept = Call.objects.get(pk=merged_pk)
    assert (kept.source.key, kept.caller, kept.events_count) == ("pbx-east", "13800000001", 1)
    split = Call.objects.get(source__key="pbx-west", call_id="c-88")
    assert (split.caller, split.events_count, split.disposition) == ("13900000002", 2, Disposition.ABANDONED)
    assert Call.objects.get(call_id="c-99").source.key == "pbx-east"
