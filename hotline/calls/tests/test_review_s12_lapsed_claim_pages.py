"""A forgotten claim lapses after 15 minutes (docs/calls.md): the pages must then let another agent take it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from hotline.calls import callbacks
from hotline.calls.ingest import ingest
from hotline.calls.models import Callback, PbxSource
from hotline.calls.tests.conftest import at, ev
from hotline.tickets.tests.factories import UserFactory


@pytest.fixture
def cb(db: None, frozen_now: datetime) -> Callback:
    pbx = PbxSource.objects.create(key="pbx", name="pbx", secret="x")
    ingest(pbx, [ev("q", "call.queued", at(0), call_id="c1", caller="13912345678"),
                 ev("x", "call.abandoned", at(0, 40), call_id="c1")])
    return Callback.objects.get()


def test_another_agent_can_take_a_lapsed_claim_from_the_pages(cb, client, frozen_now) -> None:
    callbacks.claim(cb, actor=UserFactory(role="intake"))  # then the agent goes to lunch
    other = UserFactory(role="intake")
    client.force_login(other)
    with time_machine.travel(frozen_now + timedelta(minutes=40), tick=False):
        queue = client.get("/calls/callbacks/").content.decode()
        detail = client.get(f"/calls/callbacks/{cb.pk}/").content.decode()
        assert 'value="claim"' in detail, "the callback page offers no 领取 for a lapsed claim"
        assert 'value="claim"' in queue, "the queue offers no 领取 for a lapsed claim"
        assert "领取已超时" in detail and "领取已超时" in queue
        client.post(f"/calls/callbacks/{cb.pk}/", {"step": "claim"})
    cb.refresh_from_db()
    assert cb.claimed_by == other


def test_a_claim_still_held_offers_no_claim_and_no_marker(cb, client, frozen_now) -> None:
    callbacks.claim(cb, actor=UserFactory(role="intake"))
    client.force_login(UserFactory(role="intake"))
    with time_machine.travel(frozen_now + timedelta(minutes=10), tick=False):
        queue = client.get("/calls/callbacks/").content.decode()
        detail = client.get(f"/calls/callbacks/{cb.pk}/").content.decode()
    for page in (queue, detail):
        assert 'value="claim"' not in page and "领取已超时" not in page


def test_claim_lapsed(cb, frozen_now) -> None:
    assert not callbacks.claim_lapsed(cb, frozen_now + timedelta(hours=1))  # open: nothing to lapse
    callbacks.claim(cb, actor=UserFactory(role="intake"))
    assert not callbacks.claim_lapsed(cb, frozen_now + timedelta(minutes=15))
    assert callbacks.claim_lapsed(cb, frozen_now + timedelta(minutes=15, seconds=1))


def test_the_marker_reads_in_english(cb, client, frozen_now) -> None:
    callbacks.claim(cb, actor=UserFactory(role="intake"))
    client.force_login(UserFactory(role="intake"))
    with time_machine.travel(frozen_now + timedelta(minutes=40), tick=False):
        page = client.get("/calls/callbacks/", headers={"accept-language": "en"}).content.decode()
    assert "Claim lapsed" in page
