"""The inspection page shows the caller's number masked to everyone and no full-number view is recorded
(docs/inspection.md). The agent's first decision's note (转派单 note) and a 直接答复 are free texts like the
description: the caller's number typed into them is masked too."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.inspection.models import Criterion, Inspection
from hotline.inspection.sampling import draw_sample
from hotline.inspection.tests.conftest import FEBRUARY, IN_FEBRUARY, order
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, UserFactory

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13812345678", "138****5678"


def _inspection_page(client: Client) -> str:
    draw_sample(FEBRUARY, actor=None)
    inspection = Inspection.objects.get()
    client.force_login(UserFactory(role=Role.INSPECTOR))
    return client.get(reverse("inspection-detail", args=[inspection.pk])).content.decode()


def test_the_decision_note_shows_the_callers_number_masked(client: Client, criteria: dict[str, Criterion],
                                                            cast: Cast, frozen_now: datetime) -> None:
    ticket = order(cast, Status.REGISTERED, caller_phone=PHONE)
    with clock.frozen(IN_FEBRUARY):
        services.send_to_dispatch(ticket, actor=cast.intake, note=f"来电人要求派单员回电{PHONE}确认具体楼栋")
    text = _inspection_page(client)
    assert f"来电人要求派单员回电{MASKED}确认具体楼栋" in text
    assert PHONE not in text


def test_a_direct_answer_shows_the_callers_number_masked(client: Client, criteria: dict[str, Criterion],
                                                          cast: Cast, frozen_now: datetime) -> None:
    ticket = order(cast, Status.REGISTERED, caller_phone=PHONE)
    with clock.frozen(IN_FEBRUARY):
        services.answer_directly(ticket, actor=cast.intake, answer=f"已告知来电人（{PHONE}）办理流程")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ANSWERED  # 即时答复: closed at once
    text = _inspection_page(client)
    assert f"已告知来电人（{MASKED}）办理流程" in text
    assert PHONE not in text
