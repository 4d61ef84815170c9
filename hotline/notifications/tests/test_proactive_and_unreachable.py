"""No citizen to tell: a proactive order (主动发现, 未诉先办) sends no SMS and no rating link. A rating link of
an order already closed because the citizen could not be reached is refused cleanly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.notifications.models import Notification
from hotline.notifications.services import recipient
from hotline.notifications.tests.test_services import outbox
from hotline.portal.models import VisitInvitation
from hotline.portal.services import rate
from hotline.tickets import services
from hotline.tickets.choices import Channel, Satisfaction, Status, VisitMethod
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import ReturnVisit, Ticket
from hotline.tickets.tests.factories import Cast, make_ticket, stored

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def test_a_proactive_order_has_no_recipient_whatever_number_it_carries() -> None:
    assert recipient(Ticket(channel=Channel.PROACTIVE, caller_phone=PHONE)) == ""
    assert recipient(Ticket(channel=Channel.PHONE, caller_phone=PHONE)) == PHONE


def test_a_proactive_order_sends_no_sms_and_no_rating_link(cast: Cast, on_commit: Any, _outbox: Path) -> None:
    with on_commit():
        ticket = make_ticket(Status.REPLIED, cast=cast, channel=Channel.PROACTIVE)
    # A number from an integration (a grid worker's) or older data: still nobody to tell.
    Ticket.objects.filter(pk=ticket.pk).update(caller_phone=PHONE)
    ticket.refresh_from_db()
    with on_commit():
        services.approve_reply(ticket, actor=cast.inspector)  # 待回访: a citizen's order would get the rating link
    assert ticket.status == Status.AWAITING_VISIT
    with on_commit():
        services.record_return_visit(ticket, actor=cast.inspector, contacted=False, resolved=True,
                                     method=VisitMethod.VERIFY, note="现场核查：已修复")
    assert ticket.status == Status.CLOSED
    assert not Notification.objects.exists() and outbox(_outbox) == []
    assert not VisitInvitation.objects.exists()


def test_a_rating_after_the_order_closed_as_unreachable_is_refused(cast: Cast, on_commit: Any,
                                                                   _outbox: Path) -> None:
    with on_commit():
        ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    link = re.search(r"/portal/rate/([\w-]+)/", outbox(_outbox)[-1]["body"])
    assert link
    token = link.group(1)
    with on_commit():
        for _ in range(3):
            services.record_return_visit(ticket, actor=cast.inspector, contacted=False)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.timeline.last().data["unreachable"] is True
    before, visits = stored(ticket), ReturnVisit.objects.filter(ticket=ticket).count()

    with pytest.raises(RuleViolation, match="评价链接无效或已使用"):
        rate(token, resolved=True, satisfaction=Satisfaction.SATISFIED)
    response = Client().post(reverse("portal:rate", args=[token]),
                             {"resolved": "yes", "satisfaction": Satisfaction.SATISFIED})
    assert response.status_code == 404
    assert Client().get(reverse("portal:rate", args=[token])).status_code == 404
    assert stored(ticket) == before and ReturnVisit.objects.filter(ticket=ticket).count() == visits
