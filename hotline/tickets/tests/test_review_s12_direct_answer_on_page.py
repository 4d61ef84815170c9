"""The order page reads the direct answer (直接答复) as the API does: the centre's words may quote the caller's
number, which a unit reads masked once the answered order is reopened and dispatched; and the 延期审批 form on
the page quotes the unit's reason in full to the centre deciding, the view recorded."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db
PHONE, MASKED = "13812345678", "138****5678"


def _page(user: object, number: str) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("order-detail", args=[number])).content.decode()


def test_a_unit_reads_a_reopened_orders_direct_answer_masked(frozen_now: datetime) -> None:
    ensure_default_policies()
    ticket = make_ticket(Status.REGISTERED, caller_phone=PHONE)
    cast = ticket.cast
    services.answer_directly(ticket, actor=cast.intake, answer=f"已回电{PHONE}告知：请到区政务服务中心一楼办理")
    services.reopen(ticket, actor=cast.inspector, reason="群众再次来电，问题未解决")
    services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead, assisting=[])
    unit_page = _page(cast.lead_handler, ticket.number)
    assert f"已回电{MASKED}告知" in unit_page and PHONE not in unit_page


def test_the_centre_deciding_an_extension_reads_the_reason_in_full(frozen_now: datetime, cast: Cast,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    services.request_extension(ticket, actor=cast.lead_handler, days=3, reason=f"群众（{PHONE}）约定下周入户查看")
    shown: list[str] = []
    monkeypatch.setattr("hotline.ops.access.phone_shown", lambda obj, user, phone: shown.append(phone))
    assert f"群众（{PHONE}）约定下周入户查看" in _page(cast.supervisor, ticket.number)
    assert PHONE in shown
