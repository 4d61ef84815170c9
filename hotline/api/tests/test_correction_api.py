"""工单更正 over the API: offered to the centre, a partial body keeps the other fields, the form's errors per field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.taxonomy.choices import Urgency
from hotline.tickets.choices import Action, Status
from hotline.tickets.tests.factories import Cast, CategoryFactory, make_ticket, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: Any) -> Cast:
    return Cast.build()


def _leaf() -> Any:
    return CategoryFactory(name="物业管理", parent=CategoryFactory(name="住房", parent=CategoryFactory(name="城乡建设")))


def test_the_api_offers_and_takes_a_partial_correction(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    client = Client()
    client.force_login(cast.dispatcher)
    api = api_client(client=client)
    assert Action.CORRECT in [a["action"] for a in api.get(f"/orders/{ticket.number}/actions").json()]
    leaf = _leaf()
    r = api.post(f"/orders/{ticket.number}/actions/correct",
                 {"version": ticket.version, "category": leaf.pk, "is_difficult": True, "reason": "核实后更正"})
    assert r.status_code == 200, r.content
    ticket.refresh_from_db()
    assert (ticket.category, ticket.is_difficult, ticket.urgency) == (leaf, True, Urgency.NORMAL)
    wrong = api.post(f"/orders/{ticket.number}/actions/correct",
                     {"version": ticket.version, "category": leaf.parent_id, "reason": "改成二级分类"})
    assert wrong.status_code == 400 and "category" in wrong.json()["error"]["details"]
    unit = Client()
    unit.force_login(cast.lead_handler)
    before = stored(ticket)
    refused = api_client(client=unit).post(f"/orders/{ticket.number}/actions/correct",
                                           {"version": ticket.version, "urgency": "urgent", "reason": "改"})
    assert refused.status_code == 403
    assert stored(ticket) == before




def test_null_for_an_optional_text_keeps_the_orders_value(cast: Cast, api_client: Any) -> None:
    """`"title": null` reads as left out, like null for the other fields (it used to be refused with a 400)."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, title="路灯不亮")
    client = Client()
    client.force_login(cast.dispatcher)
    r = api_client(client=client).post(f"/orders/{ticket.number}/actions/correct",
                                       {"version": ticket.version, "title": None, "address": None,
                                        "urgency": "pressing", "reason": "核实后更正"})
    assert r.status_code == 200, r.content
    ticket.refresh_from_db()
    assert (ticket.title, ticket.urgency) == ("路灯不亮", Urgency.PRESSING)
