"""An order whose handling the centre stopped (终止办理) is `closed`, with only the reason's label as its words."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hotline.tickets import services
from hotline.tickets.choices import Status, TerminationReason
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

ACCOUNT = "3月2日致电13812345678无人接听"


def test_a_terminated_order_is_closed_with_the_public_text(client: Client, frozen_now: object) -> None:
    t = make_ticket(Status.IN_PROGRESS)
    cast = t.cast
    t = services.apply_termination(t, actor=cast.lead_handler, reason_code=TerminationReason.UNREACHABLE,
                                   reason=ACCOUNT)
    services.decide_termination(t, actor=cast.dispatcher, approve=True, note="通话记录已核实")
    public = "经热线中心审核，终止办理：无法联系且无法核实"

    row = json.loads(client.get(f"/open311/v2/requests/{t.number}.json").content)[0]
    assert (row["status"], row["status_notes"]) == ("closed", public)
    updates = [u for u in json.loads(client.get("/open311/v2/servicerequestupdates.json").content)
               if u["service_request_id"] == t.number]
    assert (updates[-1]["status"], updates[-1]["description"]) == ("closed", public)
    assert updates[-1]["external_status_code"] == Status.TERMINATED
    body = client.get("/open311/v2/requests.json").content.decode() + json.dumps(updates, ensure_ascii=False)
    assert ACCOUNT not in body and "13812345678" not in body and "通话记录已核实" not in body


def test_every_status_has_an_update_status() -> None:
    """A new status must be mapped on purpose, not fall through to the open/closed default."""
    from hotline.open311.selectors import UPDATE_STATUS

    assert set(UPDATE_STATUS) == set(Status)
    assert UPDATE_STATUS[Status.TERMINATED] == "closed"
