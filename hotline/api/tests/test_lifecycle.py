"""An order's whole life through the API: create with a key, dispatch (session), sign and reply with a unit
key, approve and visit (session), read the timeline and the return visits."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.api.keys import create_key
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.tests.factories import Cast, ensure_default_policies

pytestmark = pytest.mark.django_db


def _session(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_an_order_from_creation_to_closure(frozen_now, api_client) -> None:  # noqa: ANN001
    ensure_default_policies()
    cast = Cast.build()
    _, intake_raw = create_key("公众号", ["read", "create", "phone"])
    _, unit_raw = create_key("街道对接", ["read", "act"], unit=cast.lead)
    intake, unit = api_client(intake_raw), api_client(unit_raw, header="x-api-key")
    dispatcher = api_client(client=_session(cast.dispatcher))
    inspector = api_client(client=_session(cast.inspector))

    created = intake.post("/orders", {"request_type": "complaint", "description": "楼道灯坏了一个月",
                                      "caller_phone": "13812345678", "decision": "dispatch"})
    assert created.status_code == 201, created.content
    order = created.json()
    number = order["number"]
    assert order["status"] == Status.PENDING_DISPATCH
    assert order["caller_phone"] == "13812345678"  # the intake account is centre staff, the key has `phone`

    # The unit cannot see the order before it is dispatched to it.
    assert unit.get(f"/orders/{number}").status_code == 404

    r = dispatcher.post(f"/orders/{number}/actions/dispatch", {"version": order["version"], "lead": cast.lead.code})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.DISPATCHED

    seen = unit.get(f"/orders/{number}").json()
    assert seen["caller_phone"] == "138****5678"  # masked for unit staff
    offered = [a["action"] for a in unit.get(f"/orders/{number}/actions").json()]
    assert "sign" in offered and "return" in offered

    r = unit.post(f"/orders/{number}/actions/sign", {"version": seen["version"]})
    assert r.status_code == 200, r.content
    r = unit.post(f"/orders/{number}/actions/reply", {
        "version": r.json()["version"], "content": "已更换灯泡", "public_reply": "楼道灯已修好",
        "contacted": True, "resolved": True, "is_truthful": True})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.REPLIED
    assert r.json()["replies"][0]["content"] == "已更换灯泡"

    r = inspector.post(f"/orders/{number}/actions/approve_reply", {"version": r.json()["version"]})
    assert r.status_code == 200, r.content
    r = inspector.post(f"/orders/{number}/actions/return_visit", {
        "version": r.json()["version"], "method": "phone", "contacted": True, "resolved": True,
        "satisfaction": "satisfied", "note": "群众表示满意"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.CLOSED

    visits = intake.get(f"/orders/{number}/return-visits").json()
    assert [(v["satisfaction"], v["contacted"]) for v in visits] == [("satisfied", True)]
    timeline = intake.get(f"/orders/{number}/timeline").json()
    assert [e["action"] for e in timeline] == ["register", "send_to_dispatch", "dispatch", "sign", "reply",
                                               "approve_reply", "return_visit"]
    assert [e["seq"] for e in timeline] == list(range(1, 8))
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == Status.CLOSED
    # The timeline names the key's service accounts as the actors.
    assert TimelineEvent.objects.get(ticket=ticket, action="sign").actor.api_key.name == "街道对接"
    assert TimelineEvent.objects.get(ticket=ticket, action="register").actor.api_key.name == "公众号"
