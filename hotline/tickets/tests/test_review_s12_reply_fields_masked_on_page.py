"""A reply's public reply (公开答复内容) and reason left unresolved (未解决原因) are the unit's words like its content:
on the order page the unit above reads the citizen's number in them masked, as the API does
(docs/security.md "Texts units wrote": content, public reply and reason left unresolved); the unit that wrote
them and the centre read them as written."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13812345678", "138****5678"
PUBLIC = "已电话联系您（{}），路灯已报修"
REASON = "群众（{}）要求更换全部路灯，超出职责"


def _page(user: User, ticket: Ticket) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("order-detail", args=[ticket.number])).content.decode()


@pytest.fixture
def replied(frozen_now: datetime) -> tuple[Cast, Ticket]:
    """An order whose lead revealed the caller's number (联系群众) and wrote it into its reply's two other texts."""
    cast = Cast.build()
    order = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    client = Client()
    client.force_login(cast.lead_handler)
    assert client.post(reverse("order-reveal-caller", args=[order.number])).status_code == 200
    order.refresh_from_db()
    services.reply(order, actor=cast.lead_handler, content="已联系群众，见公开答复",
                   public_reply=PUBLIC.format(PHONE), contacted=True, resolved=False,
                   unresolved_reason=REASON.format(PHONE))
    return cast, Ticket.objects.get(pk=order.pk)


def test_the_unit_above_reads_no_full_number_in_the_public_reply_or_unresolved_reason(
        replied: tuple[Cast, Ticket]) -> None:
    cast, ticket = replied
    district = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead.parent])
    page = _page(district, ticket)
    assert PUBLIC.format(MASKED) in page  # 公开答复内容
    assert REASON.format(MASKED) in page  # 未解决原因
    assert PHONE not in page


def test_the_writing_unit_and_the_centre_read_them_as_written(replied: tuple[Cast, Ticket]) -> None:
    cast, ticket = replied
    for reader in (cast.lead_handler, cast.dispatcher):
        page = _page(reader, ticket)
        assert PUBLIC.format(PHONE) in page
        assert REASON.format(PHONE) in page
