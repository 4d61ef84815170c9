"""Double clicks on 登记结果 and 放回队列: the second post shows what the first one did, not an error."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client

from hotline.calls import callbacks
from hotline.calls.choices import CallbackStatus
from hotline.calls.ingest import ingest
from hotline.calls.models import Callback, PbxSource
from hotline.calls.tests.conftest import at, ev
from hotline.tickets.tests.factories import UserFactory

PHONE = "13912345678"


@pytest.fixture
def cb(db: None, frozen_now: datetime) -> Callback:
    pbx = PbxSource.objects.create(key="pbx", name="pbx", secret="x")
    ingest(pbx, [ev("c1q", "call.queued", at(0), call_id="c1", caller=PHONE),
                 ev("c1x", "call.abandoned", at(0, 40), call_id="c1")])
    return Callback.objects.get()


def said(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("outcome, status", [("reached", CallbackStatus.REACHED),
                                             ("no_answer", CallbackStatus.OPEN)])
def test_a_double_click_on_the_outcome_shows_the_recorded_outcome(cb: Callback, client: Client, outcome: str,
                                                                   status: str) -> None:
    agent = UserFactory(role="intake")
    callbacks.claim(cb, actor=agent)
    client.force_login(agent)
    data = {"step": "outcome", "outcome": outcome, "note": "已联系"}
    first = client.post(f"/calls/callbacks/{cb.pk}/", data)
    second = client.post(f"/calls/callbacks/{cb.pk}/", data)
    assert first.status_code == 302 and second.status_code == 302
    assert "请先领取回拨，再登记结果" not in " ".join(said(second))
    assert any("回拨结果已登记" in m and "未重复登记" in m for m in said(second))
    cb.refresh_from_db()
    assert (cb.status, cb.attempts) == (status, 1)
    assert list(cb.events.values_list("action", flat=True)) == ["create", "claim", "outcome"]


def test_after_someone_else_took_the_callback_the_old_page_is_still_refused(cb: Callback, client: Client,
                                                                          frozen_now: datetime) -> None:
    a, b = UserFactory(role="intake"), UserFactory(role="intake")
    callbacks.claim(cb, actor=a)
    callbacks.record_outcome(cb, actor=a, outcome="no_answer")
    with time_machine.travel(frozen_now + timedelta(minutes=31), tick=False):
        callbacks.claim(cb, actor=b)
        client.force_login(a)
        refused = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "outcome", "outcome": "reached"})
    assert refused.status_code == 409 and "只有本人可以登记结果" in refused.content.decode()
    assert callbacks.own_outcome(cb, actor=a) is None


def test_an_outcome_never_recorded_by_this_agent_is_still_refused(cb: Callback, client: Client) -> None:
    agent = UserFactory(role="intake")
    client.force_login(agent)
    refused = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "outcome", "outcome": "reached"})
    assert refused.status_code == 409 and "请先领取回拨，再登记结果" in refused.content.decode()
    other = UserFactory(role="intake")
    callbacks.claim(cb, actor=other)
    callbacks.record_outcome(cb, actor=other, outcome="reached")
    assert callbacks.own_outcome(cb, actor=agent) is None
    assert callbacks.own_outcome(cb, actor=other).outcome == "reached"


def test_a_double_click_on_release_shows_it_was_released(cb: Callback, client: Client) -> None:
    """放回队列 posted twice: the second post shows that this agent released it, not 「此回拨未被领取」."""
    agent = UserFactory(role="intake")
    callbacks.claim(cb, actor=agent)
    client.force_login(agent)
    first = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "release"})
    second = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "release"})
    assert first.status_code == 302 and second.status_code == 302
    assert said(second)[-1] == "此回拨已由您放回队列，未重复操作" and "此回拨未被领取" not in said(second)
    cb.refresh_from_db()
    assert (cb.status, cb.claimed_by) == (CallbackStatus.OPEN, None)
    assert list(cb.events.values_list("action", flat=True)) == ["create", "claim", "release"]


def test_a_supervisor_releasing_someones_claim_twice_sees_the_same(cb: Callback, client: Client) -> None:
    agent, supervisor = UserFactory(role="intake"), UserFactory(role="supervisor")
    callbacks.claim(cb, actor=agent)
    client.force_login(supervisor)
    client.post(f"/calls/callbacks/{cb.pk}/", {"step": "release"})
    second = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "release"})
    assert second.status_code == 302 and said(second)[-1] == "此回拨已由您放回队列，未重复操作"
    assert callbacks.own_release(cb, actor=agent) is None  # the agent did not release it


def test_release_is_still_refused_when_it_was_not_this_agents_last_step(cb: Callback, client: Client) -> None:
    a, b = UserFactory(role="intake"), UserFactory(role="intake")
    client.force_login(a)
    never = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "release"})  # never claimed
    assert never.status_code == 409 and "此回拨未被领取" in never.content.decode()
    callbacks.claim(cb, actor=a)
    callbacks.release(cb, actor=a)
    callbacks.claim(cb, actor=b)
    callbacks.release(cb, actor=b)  # released since by someone else
    again = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "release"})
    assert again.status_code == 409 and "此回拨未被领取" in again.content.decode()
    callbacks.claim(cb, actor=a)
    callbacks.record_outcome(cb, actor=a, outcome="reached")  # an outcome is not a release
    late = client.post(f"/calls/callbacks/{cb.pk}/", {"step": "release"})
    assert late.status_code == 409 and "此回拨未被领取" in late.content.decode()
    assert callbacks.own_release(cb, actor=a) is None
