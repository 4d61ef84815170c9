"""An invitation to rate (评价邀请) goes out only while the order awaits its return visit (待回访): a step followed
up late (the repair, `hotline.tasks.repair`) sends none for an order closed meanwhile (review rv5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hotline.core import clock
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import Template
from hotline.notifications.models import Notification
from hotline.portal.models import VisitInvitation
from hotline.tasks import repair
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

PHONE = "13812345678"


def test_a_step_followed_up_late_sends_no_invitation_for_an_order_closed_meanwhile(
        traveller: Any, cast: Cast, on_commit: Any) -> None:
    ticket = make_ticket(Status.REPLIED, cast=cast, caller_phone=PHONE)
    services.approve_reply(ticket, actor=cast.inspector)  # 待回访; its follow-up is lost (no on-commit delivery)
    traveller.shift(timedelta(minutes=3))
    ticket.refresh_from_db()
    with on_commit():  # the inspector's phone visit closes the order; the caller gets 「已办结」
        services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    MemoryNotifier.sent.clear()
    traveller.shift(timedelta(minutes=15))

    repair.follow_up_again(repair.steps_missing_follow_up(clock.now()))

    assert not any(m.subject == str(Template.VISIT.label) for m in MemoryNotifier.sent)
    assert not Notification.objects.filter(ticket=ticket, template=Template.VISIT).exists()
    assert not VisitInvitation.objects.filter(ticket=ticket).exists()  # no dead link made either


def test_a_step_followed_up_late_still_invites_while_the_order_awaits_its_visit(
        traveller: Any, cast: Cast) -> None:
    ticket = make_ticket(Status.REPLIED, cast=cast, caller_phone=PHONE)
    services.approve_reply(ticket, actor=cast.inspector)
    traveller.shift(timedelta(minutes=15))

    repair.follow_up_again(repair.steps_missing_follow_up(clock.now()))

    [invitation] = [m for m in MemoryNotifier.sent if m.subject == str(Template.VISIT.label)]
    assert invitation.to == PHONE and "/portal/rate/" in invitation.body
