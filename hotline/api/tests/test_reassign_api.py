"""改派 over the API: the dispatch desk's step, units by code, refusals with their status codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Action, AssignmentStatus, Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket, stored

pytestmark = pytest.mark.django_db


def _as(user: Any, api_client: Any) -> Any:
    client = Client()
    client.force_login(user)
    return api_client(client=client)


def test_the_desk_reassigns_an_order_by_unit_code(frozen_now: Any, api_client: Any) -> None:
    cast = Cast.build()
    spare = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, code="A2-JS")
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, code="A2-DHM")
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    close_due = ticket.close_due
    api = _as(cast.dispatcher, api_client)
    url = f"/orders/{ticket.number}/actions/reassign"
    assert Action.REASSIGN in [a["action"] for a in api.get(f"/orders/{ticket.number}/actions").json()]
    assert Action.REASSIGN not in [a["action"] for a in _as(cast.lead_handler, api_client).get(
        f"/orders/{ticket.number}/actions").json()]

    before = stored(ticket)
    missing = api.post(url, {"version": ticket.version, "lead": spare.code})
    assert missing.status_code == 400 and "reason" in str(missing.json()["error"]["details"])
    same = api.post(url, {"version": ticket.version, "lead": cast.lead.code, "reason": "派单有误"})
    assert same.status_code == 400 and same.json()["error"]["code"] == "rule_violation"
    unit = _as(cast.lead_handler, api_client).post(url, {"version": ticket.version, "lead": spare.code,
                                                          "reason": "x"})
    assert unit.status_code == 403
    assert stored(ticket) == before

    r = api.post(url, {"version": ticket.version, "lead": spare.code, "assisting": [other.code],
                       "designate": True, "reason": "派单有误，属景山街道"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == Status.DISPATCHED
    ticket.refresh_from_db()
    assert ticket.close_due == close_due
    assert set(ticket.assignments.values_list("unit__code", "status")) == {
        (cast.lead.code, AssignmentStatus.WITHDRAWN), (spare.code, AssignmentStatus.PENDING_SIGN),
        (other.code, AssignmentStatus.PENDING_SIGN)}

    paused = make_ticket(Status.AWAITING_CITIZEN, cast=cast)
    refused = api.post(f"/orders/{paused.number}/actions/reassign",
                       {"version": paused.version, "lead": spare.code, "reason": "x"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_transition"
