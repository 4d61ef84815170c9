"""Codes the PBX and the callback audit store are shown by their labels, an unknown code as it came."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.utils import translation

from hotline.calls import callbacks
from hotline.calls.ingest import ingest
from hotline.calls.models import Call, Callback, PbxSource
from hotline.calls.tests.conftest import at, ev
from hotline.calls.views import call_events
from hotline.tickets.tests.factories import UserFactory


@pytest.fixture
def pbx(db: None, frozen_now: datetime) -> PbxSource:
    return PbxSource.objects.create(key="pbx", name="pbx", secret="x")


def ended(pbx: PbxSource, call_id: str, reason: str) -> Call:
    ingest(pbx, [ev(f"{call_id}q", "call.queued", at(0), call_id=call_id, caller="13912345678"),
                 ev(f"{call_id}e", "call.ended", at(0, 20), call_id=call_id, reason=reason)])
    return Call.objects.get(call_id=call_id)


def test_the_callback_history_shows_the_outcome_label(pbx: PbxSource, client: Client) -> None:
    ingest(pbx, [ev("c1q", "call.queued", at(0), call_id="c1", caller="13912345678"),
                 ev("c1x", "call.abandoned", at(0, 40), call_id="c1")])
    cb = Callback.objects.get()
    agent = UserFactory(role="intake")
    callbacks.claim(cb, actor=agent)
    callbacks.record_outcome(cb, actor=agent, outcome="no_answer", note="")
    client.force_login(agent)
    page = client.get(f"/calls/callbacks/{cb.pk}/").content.decode()
    history = page[page.index("处理记录"):]
    assert "无人接听" in history and "no_answer" not in history


def test_a_calls_end_reason_is_shown_by_its_label(pbx: PbxSource) -> None:
    assert call_events(ended(pbx, "c1", "caller_hangup"))[-1][2] == "来电人挂断"
    with translation.override("en"):
        assert call_events(ended(pbx, "c2", "queue_timeout"))[-1][2] == "Queue timeout"
    assert call_events(ended(pbx, "c3", "pbx_reboot"))[-1][2] == "pbx_reboot"
