"""The caller of a terminated order (终止办理) gets one SMS with the reason's label, never the unit's account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hotline.notifications.choices import Template
from hotline.notifications.models import Notification
from hotline.notifications.services import milestones
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def test_milestones() -> None:
    assert milestones(Action.DECIDE_TERMINATION, Status.IN_PROGRESS, Status.TERMINATED) == [Template.TERMINATED]
    assert milestones(Action.DECIDE_TERMINATION, Status.IN_PROGRESS, Status.IN_PROGRESS) == []
    assert milestones(Action.APPLY_TERMINATION, Status.IN_PROGRESS, Status.IN_PROGRESS) == []


def test_one_sms_with_the_public_reason(frozen_now: datetime, cast: Cast, on_commit: Any) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812345678")
    Notification.objects.all().delete()
    with on_commit():
        t = services.apply_termination(t, actor=cast.lead_handler, reason_code="withdrawn",
                                       reason="群众3月2日来电称已自行解决，要求撤回")
        t = services.decide_termination(t, actor=cast.dispatcher, approve=True, note="核实录音，同意")
    notes = list(Notification.objects.filter(ticket=t))
    assert [n.template for n in notes] == [Template.TERMINATED]
    body = notes[0].body
    assert t.number in body and "经热线中心审核，终止办理：诉求人撤回" in body
    assert "自行解决" not in body and "核实录音" not in body


def test_a_rejection_sends_nothing(frozen_now: datetime, cast: Cast, on_commit: Any) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812345678")
    Notification.objects.all().delete()
    with on_commit():
        t = services.apply_termination(t, actor=cast.lead_handler, reason_code="unreachable", reason="两次未接")
        services.decide_termination(t, actor=cast.dispatcher, approve=False, note="须三次联系")
    assert not Notification.objects.filter(ticket=t).exists()
