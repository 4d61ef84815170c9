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
    same, same_queries = _get(on_a_call, shown="c1")
    assert same == {"agent": True, "call": {"id": "c1", "same": True}}
    assert same_queries <= full_queries - 5  # no history (2-3 queries), no profile card (2), no access record
    assert AccessRecord.objects.count() == records  # no full number shown again: none recorded again
    assert full["call"]["id"] == "c1" and full["call"]["orders_total"] == 1 and "same" not in full["call"]


def test_the_full_answer_is_unchanged(on_a_call: Any) -> None:
    full, _ = _get(on_a_call)
    assert set(full["call"]) == {"id", "caller", "answered_at", "orders_total", "open_total", "latest",
                                 "intake_url", "tags", "note"}
    assert full["call"]["caller"] == PHONE and full["call"]["tags"] == [{"name": "老年人", "sensitive": False}]
    assert _get(on_a_call, shown="")[0] == full  # an empty `shown` is a first poll
    assert _get(on_a_call, shown="another-call")[0] == full  # the banner shows an older call: the new one in full


def test_no_call_or_an_ended_one_is_said_as_before(on_a_call: Any, pbx: PbxSource) -> None:
    ingest(pbx, [ev("c1e", "call.ended", at(0, 30), call_id="c1", agent="8001")])
    assert _get(on_a_call, shown="c1")[0] == {"agent": True, "call": None}
    on_a_call.force_login(UserFactory(role="intake"))  # no PBX extension
    assert _get(on_a_call, shown="c1")[0] == {"agent": False, "call": None}
