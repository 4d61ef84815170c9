"""Screen pop (来电弹屏) and the link between calls and the orders registered during them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from hotline.callers.services import update_profile
from hotline.calls import callbacks
from hotline.calls.ingest import ingest
from hotline.calls.models import Agent, Call, Callback, PbxSource
from hotline.calls.tests.conftest import DAY, at, ev
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services
from hotline.tickets.tests.factories import UserFactory

PHONE = "13912345678"
NINE = DAY + timedelta(hours=9)


@pytest.fixture
def pbx(db: None, frozen_now: datetime) -> PbxSource:  # events must be within a year of the clock
    return PbxSource.objects.create(key="pbx", name="pbx", secret="x")


@pytest.fixture
def agent(db: None):  # noqa: ANN201
    user = UserFactory(role="intake")
    Agent.objects.create(extension="8001", user=user)
    return user


def answer(pbx: PbxSource, call_id: str = "c1", ext: str = "8001", phone: str = PHONE) -> None:
    ingest(pbx, [ev(f"{call_id}q", "call.queued", at(0), call_id=call_id, caller=phone),
                 ev(f"{call_id}a", "call.answered", at(0, 5), call_id=call_id, agent=ext)])


def register(actor, moment: datetime, django_capture_on_commit_callbacks, phone: str = PHONE):  # noqa: ANN001, ANN201
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        return services.register(services.TicketDraft(request_type=RequestType.HELP, title="",
                                                      description="楼道灯坏了", caller_phone=phone), actor=actor)


# --- screen pop ---------------------------------------------------------------------------------------


def test_the_pop_shows_my_answered_call_with_the_callers_history(pbx, agent, client,
                                                                  django_capture_on_commit_callbacks) -> None:
    earlier = register(agent, NINE - timedelta(days=1), django_capture_on_commit_callbacks)
    answer(pbx)
    client.force_login(agent)
    with time_machine.travel(NINE + timedelta(minutes=1), tick=False):
        data = client.get("/calls/pop").json()
    call = data["call"]
    assert data["agent"] is True and call["id"] == "c1" and call["caller"] == PHONE
    assert call["orders_total"] == 1 and call["latest"][0]["number"] == earlier.number
    assert call["intake_url"] == f"{reverse('intake')}?phone={PHONE}"


def test_the_pop_names_the_callers_tags_sensitive_ones_marked(pbx, agent, client) -> None:
    update_profile(PHONE, tags=["老年人", "恶意骚扰"], note="耳背，请大声说话", actor=UserFactory(role="supervisor"))
    answer(pbx)
    client.force_login(agent)
    with time_machine.travel(NINE + timedelta(minutes=1), tick=False):
        call = client.get("/calls/pop").json()["call"]
    assert {"name": "老年人", "sensitive": False} in call["tags"] and call["note"] == "耳背，请大声说话"
    assert {"name": "恶意骚扰", "sensitive": True} in call["tags"]  # an intake agent sees it, marked


def test_the_pop_is_empty_once_the_call_ended_and_never_shows_others_calls(pbx, agent, client) -> None:
    answer(pbx, "c9", ext="8002")  # someone else's call
    client.force_login(agent)
    with time_machine.travel(NINE + timedelta(minutes=1), tick=False):
        assert client.get("/calls/pop").json() == {"agent": True, "call": None}
        answer(pbx)
        ingest(pbx, [ev("c1e", "call.ended", at(3), call_id="c1", agent="8001")])
        assert client.get("/calls/pop").json()["call"] is None


def test_the_pop_answers_only_to_people_who_take_calls(pbx, db, client) -> None:
    assert client.get("/calls/pop").status_code == 302  # to the sign-in page
    client.force_login(UserFactory(role="unit_handler"))
    assert client.get("/calls/pop").status_code == 403
    client.force_login(UserFactory(role="intake"))
    assert client.get("/calls/pop").json() == {"agent": False, "call": None}


def test_the_pop_script_is_included_for_intake_agents_only(agent, client) -> None:
    client.force_login(agent)
    assert "calls/screen_pop.js" in client.get("/calls/callbacks/").content.decode()
    client.force_login(UserFactory(role="supervisor"))
    assert "calls/screen_pop.js" not in client.get("/calls/metrics/").content.decode()


# --- call ↔ order -------------------------------------------------------------------------------------


def test_an_order_registered_during_a_call_is_linked_and_shown(pbx, agent, client,
                                                             django_capture_on_commit_callbacks) -> None:
    answer(pbx)
    ticket = register(agent, NINE + timedelta(minutes=2), django_capture_on_commit_callbacks)
    call = Call.objects.get(call_id="c1")
    assert list(call.orders.all()) == [ticket]
    client.force_login(agent)
    page = client.get(f"/orders/{ticket.number}/").content.decode()
    assert f"/calls/c/{call.pk}/" in page
    detail = client.get(f"/calls/c/{call.pk}/").content.decode()
    assert ticket.number in detail
    client.force_login(UserFactory(role="unit_handler"))
    assert client.get(f"/calls/c/{call.pk}/").status_code == 403


def test_an_order_registered_in_the_wrap_up_is_linked_too(pbx, agent, django_capture_on_commit_callbacks) -> None:
    answer(pbx)
    ingest(pbx, [ev("c1e", "call.ended", at(3), call_id="c1", agent="8001"),
                 ev("w", "agent.wrapup", at(3), agent="8001"), ev("r", "agent.ready", at(8), agent="8001")])
    linked = register(agent, NINE + timedelta(minutes=7), django_capture_on_commit_callbacks)
    late = register(agent, NINE + timedelta(minutes=9), django_capture_on_commit_callbacks)
    assert list(Call.objects.get(call_id="c1").orders.all()) == [linked]
    assert not late.calls.exists()


def test_an_order_registered_by_someone_not_on_a_call_is_not_linked(pbx, agent,
                                                                    django_capture_on_commit_callbacks) -> None:
    answer(pbx)
    other = register(UserFactory(role="intake"), NINE + timedelta(minutes=2), django_capture_on_commit_callbacks)
    assert not other.calls.exists()


def test_an_order_registered_during_a_claimed_callback_is_linked_to_it(pbx, agent,
                                                                       django_capture_on_commit_callbacks) -> None:
    ingest(pbx, [ev("q", "call.queued", at(0), call_id="m1", caller=PHONE),
                 ev("x", "call.abandoned", at(1), call_id="m1")])
    cb = Callback.objects.get()
    with time_machine.travel(NINE + timedelta(minutes=20), tick=False):
        callbacks.claim(cb, actor=agent)
    ticket = register(agent, NINE + timedelta(minutes=25), django_capture_on_commit_callbacks)
    cb.refresh_from_db()
    assert cb.ticket == ticket
    assert cb.events.filter(action="link_order").count() == 1
