"""下派 over the API: offered to the lead unit with units below it, the unit by code, refusals per field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.accounts.choices import Role
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Action, AssignmentStatus, Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket, stored

pytestmark = pytest.mark.django_db


def _as(user: Any, api_client: Any) -> Any:
    client = Client()
    client.force_login(user)
    return api_client(client=client)


def test_a_district_hands_its_order_to_a_street_by_code(frozen_now: Any, api_client: Any) -> None:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    street = HandlingUnitFactory(kind=UnitKind.STREET, parent=district, code="A2-DHM")
    elsewhere = HandlingUnitFactory(kind=UnitKind.STREET, code="A9-XX")
    cast = Cast.build(lead=district)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    api = _as(cast.lead_handler, api_client)
    assert Action.FORWARD in [a["action"] for a in api.get(f"/orders/{ticket.number}/actions").json()]

    before = stored(ticket)
    wrong = api.post(f"/orders/{ticket.number}/actions/forward",
                     {"version": ticket.version, "to": elsewhere.code, "note": "请处理"})
    assert wrong.status_code == 400 and "to" in wrong.json()["error"]["details"]
    missing = api.post(f"/orders/{ticket.number}/actions/forward", {"version": ticket.version, "to": street.code})
    assert missing.status_code == 400 and "note" in str(missing.json()["error"]["details"])
    street_user = UserFactory(role=Role.UNIT_HANDLER, units=[street])  # it cannot see the order yet
    assert _as(street_user, api_client).get(f"/orders/{ticket.number}").status_code == 404
    refused = _as(cast.dispatcher, api_client).post(f"/orders/{ticket.number}/actions/forward",
                                                 {"version": ticket.version, "to": street.code, "note": "x"})
    assert refused.status_code == 403
    assert stored(ticket) == before

    r = api.post(f"/orders/{ticket.number}/actions/forward",
                 {"version": ticket.version, "to": street.code, "note": "请街道现场核实"})
    assert r.status_code == 200, r.content
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert list(ticket.assignments.order_by("id").values_list("unit__code", "status")) == [
        (district.code, AssignmentStatus.FORWARDED), (street.code, AssignmentStatus.PENDING_SIGN)]
    shown = api.get(f"/orders/{ticket.number}").json()["assignments"]
    assert [(a["unit"]["code"], a["status"], (a["forwarded_from"] or {}).get("code")) for a in shown] == [
        (district.code, "forwarded", None), (street.code, "pending_sign", district.code)]
