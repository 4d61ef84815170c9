"""servicerequestupdates tell a consultation withdrawn and asked again (撤销会商, then 发起会商) once, as the
portal's tracking page does: to the citizen it is one consultation."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client

from hotline.orgs.choices import UnitKind
from hotline.portal.selectors import public_timeline
from hotline.tickets import services
from hotline.tickets.choices import Action, ReturnReason, Status
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db

QUESTION = "占道经营属城管还是市场监管职责"
CONSULTING = "相关单位会商，确定承办单位"


def _updates(client: Client, ticket: Ticket, **params: str) -> list[dict]:
    rows = json.loads(client.get("/open311/v2/servicerequestupdates.json", params).content)
    return [u for u in rows if u["service_request_id"] == ticket.number]


def _asked_twice(cast: Cast) -> Ticket:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    t = services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, department], question=QUESTION)
    t = services.withdraw_consultation(t, actor=cast.dispatcher, reason="邀请单位有误")
    t = services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, department], question=QUESTION)
    return services.conclude_consultation(t, actor=cast.dispatcher, lead=department, note="按权责清单定责")


def test_withdrawn_and_asked_again_is_one_update_as_on_the_portal(client: Client, frozen_now: datetime,
                                                                  cast: Cast) -> None:
    t = _asked_twice(cast)
    updates = _updates(client, t)
    described = [u["description"] for u in updates]
    assert described.count(CONSULTING) == 1 and described[-1] == "转交承办单位"
    portal = [e.label for e in public_timeline(t)]
    assert described == portal
    first = TimelineEvent.objects.filter(ticket=t, action=Action.CONSULT).order_by("seq").first()
    assert str(first.pk) in [u["update_id"] for u in updates]  # the first asking stands for both
    said = json.dumps(updates, ensure_ascii=False)
    assert QUESTION not in said and "邀请单位有误" not in said and "撤销会商" not in said


def test_a_new_consultation_after_a_public_step_is_told_again(client: Client, frozen_now: datetime,
                                                              cast: Cast) -> None:
    """Dispatched after the first consultation, returned, consulted again: two consultations, as on the portal."""
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    t = services.start_consultation(t, actor=cast.dispatcher, units=[department, HandlingUnitFactory(
        kind=UnitKind.DEPARTMENT)], question=QUESTION)
    t = services.conclude_consultation(t, actor=cast.dispatcher, lead=cast.lead, note="两单位意见均指向街道")
    t = services.return_order(t, actor=cast.lead_handler, unit=cast.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                              reason="不属本街道职责")
    t = services.accept_return(t, actor=cast.dispatcher, note="退单理由成立")
    t = services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, department], question=QUESTION)
    described = [u["description"] for u in _updates(client, t)]
    assert described.count(CONSULTING) == 2
    assert described == [e.label for e in public_timeline(t)]


def test_the_second_asking_is_not_told_when_the_first_was_before_the_window(
        client: Client, traveller: time_machine.Coordinates, cast: Cast) -> None:
    """A window starting between the two askings lists neither: the consultation began before it."""
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    t = services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, department], question=QUESTION)
    traveller.shift(timedelta(hours=2))
    t = services.withdraw_consultation(t, actor=cast.dispatcher, reason="邀请单位有误")
    traveller.shift(timedelta(hours=2))
    t = services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, department], question=QUESTION)
    start = TimelineEvent.objects.get(ticket=t, action=Action.WITHDRAW_CONSULTATION).at
    assert _updates(client, t, start_date=start.isoformat()) == []
    assert [u["description"] for u in _updates(client, t)].count(CONSULTING) == 1
