"""The screen pop's poll (来电弹屏, every 2 s): while the banner shows the current call, a small answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.callers.models import CallerTag
from hotline.callers.services import update_profile
from hotline.calls.ingest import ingest
from hotline.calls.models import Agent, PbxSource
from hotline.calls.tests.conftest import at, ev
from hotline.calls.tests.test_pop_and_links import NINE, PHONE, answer
from hotline.ops.models import AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import UserFactory, make_ticket

DURING = NINE + timedelta(minutes=1)


@pytest.fixture
def pbx(db: None, frozen_now: Any) -> PbxSource:  # events must be within a year of the clock
    return PbxSource.objects.create(key="pbx", name="pbx", secret="x")


@pytest.fixture
def on_a_call(pbx: PbxSource, client: Any) -> Any:
    """An intake agent answered PHONE's call c1; the caller has an order and a profile."""
    agent = UserFactory(role="intake")
    Agent.objects.create(extension="8001", user=agent)
    make_ticket(Status.IN_PROGRESS, caller_phone=PHONE)
    CallerTag.objects.get_or_create(name="老年人")  # a transaction=True test elsewhere may have flushed the seeds
    update_profile(PHONE, tags=["老年人"], note="耳背", actor=UserFactory(role="supervisor"))
    answer(pbx)
    client.force_login(agent)
    return client


def _get(client: Any, **query: str) -> tuple[dict[str, Any], int]:
    with time_machine.travel(DURING, tick=False), CaptureQueriesContext(connection) as queries:
        data = client.get("/calls/pop", query).json()
    return data, len(queries)


def test_the_banners_call_gets_a_small_answer_with_fewer_queries(on_a_call: Any) -> None:
    full, full_queries = _get(on_a_call)
    records = AccessRecord.objects.count()
    key = full["call"]["key"]
    same, same_queries = _get(on_a_call, shown=key)
    assert same == {"agent": True, "call": {"id": "c1", "key": key, "same": True}}
    assert same_queries <= full_queries - 5  # no history (2-3 queries), no profile card (2), no access record
    assert AccessRecord.objects.count() == records  # no full number shown again: none recorded again
    assert full["call"]["id"] == "c1" and full["call"]["orders_total"] == 1 and "same" not in full["call"]


def test_the_full_answer_is_unchanged(on_a_call: Any) -> None:
    full, _ = _get(on_a_call)
    assert set(full["call"]) == {"id", "key", "caller", "answered_at", "orders_total", "open_total", "latest",
                                 "intake_url", "tags", "note"}
    assert full["call"]["caller"] == PHONE and full["call"]["tags"] == [{"name": "老年人", "sensitive": False}]
    assert _get(on_a_call, shown="")[0] == full  # an empty `shown` is a first poll
    assert _get(on_a_call, shown="another-call")[0] == full  # the banner shows an older call: the new one in full
    assert _get(on_a_call, shown="c1")[0] == full  # the PBX's call id is no key (it repeats across PBXs)


def test_no_call_or_an_ended_one_is_said_as_before(on_a_call: Any, pbx: PbxSource) -> None:
    ingest(pbx, [ev("c1e", "call.ended", at(0, 30), call_id="c1", agent="8001")])
    assert _get(on_a_call, shown="c1")[0] == {"agent": True, "call": None}
    on_a_call.force_login(UserFactory(role="intake"))  # no PBX extension
    assert _get(on_a_call, shown="c1")[0] == {"agent": False, "call": None}


def test_the_same_call_id_from_another_pbx_is_a_new_call(on_a_call: Any, pbx: PbxSource) -> None:
    """Two PBXs may both number a call c1: the banner must show the second caller, not keep the first."""
    first, _ = _get(on_a_call)
    other = PbxSource.objects.create(key="pbx2", name="pbx2", secret="y")
    ingest(pbx, [ev("c1e", "call.ended", at(0, 30), call_id="c1", agent="8001")])
    ingest(other, [ev("b1", "call.queued", at(0, 40), call_id="c1", caller="13922222222"),
                   ev("b2", "call.answered", at(0, 45), call_id="c1", agent="8001")])
    second, _ = _get(on_a_call, shown=first["call"]["key"])
    assert "same" not in second["call"] and second["call"]["caller"] == "13922222222"
    assert second["call"]["key"] != first["call"]["key"]
