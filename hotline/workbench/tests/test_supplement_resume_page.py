"""补充并恢复办理 on the order page and over the API (it was the intake pop-up's only): offered on an order
waiting for the citizen to those who may resume; both steps or neither."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Action, Status
from hotline.tickets.tests.factories import Cast, make_ticket, stored

pytestmark = pytest.mark.django_db

BOX = 'name="supplement-resume"'


@pytest.fixture
def cast(frozen_now: Any) -> Cast:
    return Cast.build()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user: Any, number: str) -> str:
    return _client(user).get(reverse("order-detail", args=[number])).content.decode()


def test_the_box_is_offered_only_on_an_order_waiting_for_the_citizen_to_those_who_may_resume(cast: Cast) -> None:
    waiting = make_ticket(Status.AWAITING_CITIZEN, cast=cast)
    handling = make_ticket(Status.IN_PROGRESS, cast=cast)
    assert BOX in _page(cast.intake, waiting.number) and BOX in _page(cast.dispatcher, waiting.number)
    supervisor_page = _page(cast.supervisor, waiting.number)
    assert 'id="step-supplement"' in supervisor_page and BOX not in supervisor_page  # supervisors do not resume
    assert BOX not in _page(cast.intake, handling.number)


def test_supplement_and_resume_from_the_order_page(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_CITIZEN, cast=cast)
    response = _client(cast.intake).post(reverse("order-act", args=[ticket.number, Action.SUPPLEMENT]), {
        "version": ticket.version, "supplement-text": "门牌号是东风路18号", "supplement-resume": "on"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.paused_at is None
    actions = list(ticket.timeline.order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == [Action.RESUME, Action.SUPPLEMENT]


def test_without_the_box_only_the_supplement_is_recorded(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_CITIZEN, cast=cast)
    _client(cast.intake).post(reverse("order-act", args=[ticket.number, Action.SUPPLEMENT]), {
        "version": ticket.version, "supplement-text": "还需要几天才能找到合同"})
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_CITIZEN
    assert ticket.timeline.order_by("-seq").first().action == Action.SUPPLEMENT


def test_over_the_api_resume_applies_only_where_the_order_waits(cast: Cast, ) -> None:
    from hotline.api.tests.conftest import ApiClient

    api = ApiClient(client=_client(cast.dispatcher))
    waiting = make_ticket(Status.AWAITING_CITIZEN, cast=cast)
    r = api.post(f"/orders/{waiting.number}/actions/supplement",
                 {"version": waiting.version, "text": "补充了合同照片", "resume": True})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.IN_PROGRESS
    handling = make_ticket(Status.IN_PROGRESS, cast=cast)
    before = stored(handling)
    refused = api.post(f"/orders/{handling.number}/actions/supplement",
                       {"version": handling.version, "text": "补充", "resume": True})
    assert refused.status_code == 409, refused.content  # 恢复办理 is not a step of 办理中: nothing recorded
    assert stored(handling) == before
