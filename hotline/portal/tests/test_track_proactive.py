"""A proactive order's (主动发现, 未诉先办) on-site check reads 现场核查 on the tracking page, not 回访."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.portal.choices import public_action
from hotline.portal.selectors import public_timeline
from hotline.tickets import services
from hotline.tickets.choices import Action, Channel, Satisfaction, Status, VisitMethod
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _checked(cast: Cast) -> Ticket:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    return services.record_return_visit(ticket, actor=cast.inspector, contacted=False, resolved=True,
                                        method=VisitMethod.VERIFY, note="现场查看：路面已修复")


def test_a_check_reads_as_a_check(client: Client, frozen_now: datetime, cast: Cast) -> None:
    ticket = _checked(cast)
    labels = [e.label for e in public_timeline(ticket)]
    assert labels[-1] == "现场核查" and "回访" not in labels
    page = client.post(reverse("portal:track"), {"number": ticket.number, "query_code": ticket.query_code},
                       follow=True)
    body = page.content.decode()
    assert "<strong>现场核查</strong>" in body and "<strong>回访</strong>" not in body


def test_a_citizens_visit_still_reads_as_a_visit(frozen_now: datetime, cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="13800001111")
    ticket = services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                          satisfaction=Satisfaction.SATISFIED)
    assert [e.label for e in public_timeline(ticket)][-1] == "回访"


def test_the_citizen_label_follows_the_steps_data() -> None:
    assert public_action(Action.RETURN_VISIT, {"verified": True, "resolved": False}) == "现场核查"
    assert public_action(Action.RETURN_VISIT, {"contacted": True}) == "回访"
    assert public_action(Action.RETURN_VISIT) == "回访"
    assert public_action(Action.SIGN, {"verified": True}) == public_action(Action.SIGN)


def test_an_unreachable_closure_tells_the_citizen_why(frozen_now: datetime, cast: Cast) -> None:
    """The citizen reads that the calls went unanswered, not that a 回访 took place."""
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="")
    ticket = services.record_return_visit(ticket, actor=cast.inspector, contacted=False, note="无人接听")
    last = public_timeline(ticket)[-1]
    assert last.label == "多次回访未能联系上，工单办结"
    assert public_action(Action.RETURN_VISIT, {"contacted": False, "attempt": 3, "unreachable": True}) == last.label
