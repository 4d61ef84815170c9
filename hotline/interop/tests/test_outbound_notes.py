"""A chase's note (群众催办: the agent's free text about the call) never leaves the centre; other public notes do."""

from __future__ import annotations

import json

import pytest

from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.interop.models import Partner
from hotline.tickets import services as tickets
from hotline.tickets.choices import Action, EmergencyService
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast
from hotline.webhooks.models import Delivery

pytestmark = pytest.mark.django_db

NOTE = "赵六再次来电（13612345678），情绪激动，已告知正在处理"


@pytest.fixture
def police(db: None) -> tuple[Partner, str]:
    partner, raw = services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                        emergency_service=EmergencyService.POLICE)
    services.set_endpoint(partner, "https://partner.test/hook", secret="whsec_110")
    return partner, raw


def test_the_partners_update_carries_no_chase_note(client, police, django_capture_on_commit_callbacks,
                                                   frozen_now) -> None:
    cast = Cast.build()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/interop/v1/transfers", json.dumps({"reference": "JQ1", "content": "噪音扰民"}),
                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {police[1]}")
    ticket = Ticket.objects.get(number=response.json()["number"])
    for step in (lambda: tickets.send_to_dispatch(ticket, actor=cast.intake),
                 lambda: tickets.chase(ticket, actor=cast.intake, note=NOTE),
                 lambda: tickets.supplement(ticket, actor=cast.intake, text="晚上十点以后更吵")):
        with django_capture_on_commit_callbacks(execute=True):
            step()
    steps = {d.payload["step"]["action"]: d.payload["step"] for d in Delivery.objects.filter(
        event_type="transfer.update")}
    assert steps[Action.CHASE]["note"] == "" and NOTE not in json.dumps([d.payload for d in Delivery.objects.all()])
    assert steps[Action.SUPPLEMENT]["note"] == "晚上十点以后更吵"
