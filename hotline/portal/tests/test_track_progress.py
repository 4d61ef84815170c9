"""Tracking a merged order (它随主工单办理) and an extended one (延期的理由和新期限告知群众)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

PUBLIC_REPLY = "已疏通幸福路12号污水井并清理路面"


def page(client: Client, ticket: Ticket) -> str:
    response = client.post(reverse("portal:track"), {"number": ticket.number, "query_code": ticket.query_code},
                           follow=True)
    return response.content.decode()


def close(master: Ticket, cast: Cast) -> None:
    services.reply(master, actor=cast.lead_handler, unit=cast.lead, content="已疏通（内部：找了王师傅）",
                   public_reply=PUBLIC_REPLY, contacted=True, resolved=True, is_truthful=True)
    services.approve_reply(master, actor=cast.inspector, note="质检意见：答复偏简单")
    services.record_return_visit(master, actor=cast.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED, note="回访群众，说已经好了")


def test_a_merged_order_shows_its_masters_progress_and_reply(client: Client, frozen_now: datetime,
                                                             cast: Cast) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    merged = make_ticket(Status.PENDING_DISPATCH, cast=cast, description="幸福路污水井又冒水了")
    services.merge(merged, actor=cast.dispatcher, master=master)

    before = page(client, merged)
    assert "已与相同诉求合并办理" in before and master.number in before and "办理中" in before
    assert PUBLIC_REPLY not in before

    master.refresh_from_db()
    close(master, cast)
    after = page(client, merged)
    assert PUBLIC_REPLY in after and "已办结" in after and master.number in after
    for staff_note in ["王师傅", "质检意见", "回访群众"]:
        assert staff_note not in after
    assert master.description not in after  # the master's own matter stays its citizen's


def test_orders_merged_into_a_merged_order_follow_the_last_master(client: Client, frozen_now: datetime,
                                                                  cast: Cast) -> None:
    """Chains left by an older release: the page follows them to the order actually handled."""
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    middle = make_ticket(Status.MERGED, cast=cast)
    old = make_ticket(Status.MERGED, cast=cast, master=middle.master)
    Ticket.objects.filter(pk=old.pk).update(master=middle)
    Ticket.objects.filter(pk=middle.pk).update(master=master)
    close(master, cast)
    shown = page(client, old)
    assert PUBLIC_REPLY in shown and master.number in shown


def test_a_confidential_master_lends_nothing_to_the_merged_orders_page(client: Client, frozen_now: datetime,
                                                                       cast: Cast) -> None:
    master = make_ticket(Status.REGISTERED, cast=cast, is_confidential=True)
    merged = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    services.merge(merged, actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    services.answer_directly(master, actor=cast.intake, answer="保密答复内容")
    shown = page(client, merged)
    assert "已与相同诉求合并办理" in shown
    assert master.number not in shown and "保密答复内容" not in shown


def test_an_approved_extension_tells_its_reason_and_new_deadline(client: Client, frozen_now: datetime,
                                                                 cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.request_extension(ticket, actor=cast.lead_handler, unit=cast.lead, days=5,
                               reason="需约谈企业负责人并调取工资台账")
    services.approve_extension(ticket, actor=cast.dispatcher, note="同意延期（内部）")
    due = ticket.assignments.get(role="lead").reply_due
    shown = page(client, ticket)
    assert "办理期限延长" in shown and "需约谈企业负责人并调取工资台账" in shown
    assert f"答复期限延至{due.astimezone(ticket.registered_at.tzinfo):%Y-%m-%d}" in shown
    assert "同意延期（内部）" not in shown


def test_a_denied_extension_tells_nothing(client: Client, frozen_now: datetime, cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.request_extension(ticket, actor=cast.lead_handler, unit=cast.lead, days=5, reason="人手不足，想晚点办")
    services.deny_extension(ticket, actor=cast.dispatcher, note="理由不充分")
    shown = page(client, ticket)
    assert "人手不足" not in shown and "理由不充分" not in shown and "办理期限延长" not in shown
