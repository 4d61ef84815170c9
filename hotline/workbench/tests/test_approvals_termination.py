"""The 待审批 queue lists 终止办理 requests for the roles that may decide them; `pending=termination`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.core import clock
from hotline.tickets import services
from hotline.tickets.choices import Status, TerminationReason
from hotline.tickets.models import TerminationRequest, Ticket
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.workbench.queues.filtersets import OrderFilterSet

pytestmark = pytest.mark.django_db


def _numbers(user: Any) -> tuple[list[str], str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("queue-approvals"))
    assert response.status_code == 200
    return [t.number for t in response.context["orders"]], response.content.decode()


def _termination(cast: Cast, at: datetime, status: str = Status.IN_PROGRESS) -> Ticket:
    ticket = make_ticket(status, cast=cast, at=at - timedelta(hours=1))
    with clock.frozen(at):
        return services.apply_termination(ticket, actor=cast.lead_handler, reason_code=TerminationReason.WITHDRAWN,
                                          reason="群众来电表示不再需要处理")


def test_deciding_roles_see_the_request_with_reason_unit_and_wait(frozen_now: datetime, cast: Cast) -> None:
    waiting = _termination(cast, frozen_now - timedelta(days=2), Status.AWAITING_CITIZEN)
    make_ticket(Status.IN_PROGRESS, cast=cast)  # nothing asked
    for user in (cast.dispatcher, cast.supervisor):
        numbers, body = _numbers(user)
        assert numbers == [waiting.number]
        assert "终止办理（诉求人撤回）" in body and cast.lead.name in body and "已等待 2" in body
    services.decide_termination(waiting, actor=cast.dispatcher, approve=False, note="请继续联系群众")
    assert _numbers(cast.supervisor)[0] == []  # decided: it leaves the queue


def test_only_orders_still_in_handling_are_listed(frozen_now: datetime, cast: Cast) -> None:
    """A pending request of an order that left 办理中/待群众补充 another way cannot be decided: not listed."""
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    TerminationRequest.objects.create(ticket=t, unit=cast.lead, reason_code=TerminationReason.OTHER, reason="旧申请",
                                      applicant=cast.lead_handler, applied_at=frozen_now)
    assert _numbers(cast.supervisor)[0] == []


def test_pending_filter_termination(frozen_now: datetime, cast: Cast) -> None:
    waiting = _termination(cast, frozen_now - timedelta(hours=3))
    extension = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.request_extension(extension, actor=cast.lead_handler, days=3, reason="需协调")
    user = cast.supervisor

    def listed(value: str) -> set[str]:
        fs = OrderFilterSet({"pending": value}, user=user)
        assert fs.is_valid()
        return set(fs.filter_queryset(Ticket.objects.visible_to(user)).values_list("number", flat=True))

    assert listed("termination") == {waiting.number}
    assert listed("any") == {waiting.number, extension.number}
