"""群众催办 / 补充诉求 over the API: offered to call handlers, refused as the table says, nothing changed on refusal."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.tickets.choices import Action, Channel, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: Any) -> Cast:
    return Cast.build()


def _as(user: Any, api_client: Any) -> Any:
    client = Client()
    client.force_login(user)
    return api_client(client=client)


def test_the_action_list_offers_both_to_an_agent_and_neither_to_the_unit(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    agent = [a["action"] for a in _as(cast.intake, api_client).get(f"/orders/{ticket.number}/actions").json()]
    unit = [a["action"] for a in _as(cast.lead_handler, api_client).get(f"/orders/{ticket.number}/actions").json()]
    assert {Action.CHASE, Action.SUPPLEMENT} <= set(agent)
    assert not {Action.CHASE, Action.SUPPLEMENT} & set(unit)


def test_a_chase_and_a_supplement(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    api = _as(cast.dispatcher, api_client)
    r = api.post(f"/orders/{ticket.number}/actions/chase", {"version": ticket.version, "note": "群众来电催办"})
    assert r.status_code == 200, r.content
    assert (r.json()["chase_count"], r.json()["status"]) == (1, Status.DISPATCHED)
    r = api.post(f"/orders/{ticket.number}/actions/supplement", {"version": ticket.version + 1, "text": "又堵了"})
    assert r.status_code == 200, r.content
    assert Ticket.objects.get(pk=ticket.pk).description == ticket.description
    listed = api.get("/orders", {"chased": "1"}).json()
    assert [o["number"] for o in listed["results"]] == [ticket.number]


@pytest.mark.parametrize(("status", "body", "code"), [
    (Status.IN_PROGRESS, {"note": ""}, 400),  # the note is required
    (Status.REGISTERED, {"note": "催办"}, 409),  # no decision taken yet: take it instead
    (Status.CLOSED, {"note": "催办"}, 409),
])
def test_refusals_change_nothing(cast: Cast, api_client: Any, status: str, body: dict, code: int) -> None:
    ticket = make_ticket(status, cast=cast)
    before = stored(ticket)
    r = _as(cast.intake, api_client).post(f"/orders/{ticket.number}/actions/chase", {"version": ticket.version, **body})
    assert r.status_code == code, r.content
    assert stored(ticket) == before


def test_a_proactive_order_is_refused(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, channel=Channel.PROACTIVE)
    r = _as(cast.intake, api_client).post(f"/orders/{ticket.number}/actions/chase",
                                          {"version": ticket.version, "note": "催办"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"  # not offered: nobody called
    assert Ticket.objects.get(pk=ticket.pk).chase_count == 0
