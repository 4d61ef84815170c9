"""servicerequestupdates name a proactive order's (主动发现) on-site check 现场核查, as the portal does."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.test import Client

from hotline.open311.selectors import update_row
from hotline.tickets import services
from hotline.tickets.choices import Action, Channel, Status, VisitMethod
from hotline.tickets.models import TimelineEvent
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def test_a_check_is_an_update_named_as_a_check(client: Client, frozen_now: datetime, cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    ticket = services.record_return_visit(ticket, actor=cast.inspector, contacted=False, resolved=True,
                                          method=VisitMethod.VERIFY, note="现场查看：路面已修复")
    check = TimelineEvent.objects.get(ticket=ticket, action=Action.RETURN_VISIT)
    assert check.is_public and check.data.get("verified")
    updates = {u["update_id"]: u for u in json.loads(client.get("/open311/v2/servicerequestupdates.json").content)
               if u["service_request_id"] == ticket.number}
    assert updates[str(check.pk)]["description"] == "现场核查"
    assert update_row(check)["description"] == "现场核查"


def test_a_call_is_still_named_a_visit(frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    event = TimelineEvent(pk=10**6, ticket=ticket, seq=99, at=frozen_now, action=Action.RETURN_VISIT,
                          from_status=ticket.status, to_status=ticket.status, note="", data={"contacted": False},
                          is_public=True)
    assert update_row(event)["description"] == "回访"
