"""What the caller is told is what happened to their order (review rv22).

An assisting unit's (协办) extension is not the order's delay; a call declined at once (不予受理) is not told it
was accepted, and its closing text gives the reason; one caller whose orders were merged gets each of the
master's messages once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.notifications.choices import Template
from hotline.notifications.models import Notification
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services
from hotline.tickets.choices import Action, AssignmentRole, Channel, NotAcceptedReason, Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.signals import ticket_changed
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.workbench.intake.services import take_call

pytestmark = pytest.mark.django_db

PHONE, OTHER_PHONE = "13812345678", "13955556666"
ASSIST_REASON = "需协调辖区多个部门联合核查"


def bodies(ticket: Ticket, template: str) -> list[str]:
    return list(Notification.objects.filter(ticket=ticket, template=template).order_by("id")
                .values_list("body", flat=True))


def tracking_page(ticket: Ticket) -> str:
    response = Client().post(reverse("portal:track"), {"number": ticket.number, "query_code": ticket.query_code},
                             follow=True)
    return response.content.decode()


def redeliver(event: Any) -> None:
    ticket_changed.send(sender=Ticket, ticket_id=event.ticket_id, event_id=event.pk, action=event.action,
                        from_status=event.from_status, to_status=event.to_status)


# --- 延期: only the lead's moves the order's deadline ----------------------------------------------------


def test_an_assisting_units_extension_is_neither_texted_nor_shown_to_the_citizen(frozen_now: datetime,
                                                                                  on_commit: Any) -> None:
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    lead_due, close_due = ticket.assignments.get(role=AssignmentRole.LEAD).reply_due, ticket.close_due
    services.request_extension(ticket, actor=cast.assist_handlers[0], unit=cast.assisting[0], days=5,
                               reason=ASSIST_REASON)
    with on_commit():
        services.approve_extension(ticket, actor=cast.dispatcher)
    ticket.refresh_from_db()
    assert ticket.assignments.get(role=AssignmentRole.LEAD).reply_due == lead_due and ticket.close_due == close_due
    assert bodies(ticket, Template.EXTENDED) == []
    approved = ticket.timeline.get(action=Action.APPROVE_EXTENSION)
    assert not approved.is_public  # the tracking page does not list it either
    redeliver(approved)  # nor does a re-delivered signal text it
    assert bodies(ticket, Template.EXTENDED) == []
    shown = tracking_page(ticket)
    assert ASSIST_REASON not in shown and "办理期限延长" not in shown


def test_the_leads_extension_is_still_texted_and_shown(frozen_now: datetime, on_commit: Any) -> None:
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    services.request_extension(ticket, actor=cast.lead_handler, unit=cast.lead, days=5,
                               reason="需约谈企业负责人并调取工资台账")
    with on_commit():
        services.approve_extension(ticket, actor=cast.dispatcher)
    [text] = bodies(ticket, Template.EXTENDED)
    assert ticket.number in text and "办理期限延长5个工作日" in text and "需约谈企业负责人" in text
    assert ticket.timeline.get(action=Action.APPROVE_EXTENSION).is_public
    assert "需约谈企业负责人并调取工资台账" in tracking_page(ticket)


# --- 不予受理 in the same call: no 已受理, the reason in the closing text ----------------------------------


def declined_call(cast: Cast, on_commit: Any, reason: str, note: str = "") -> Ticket:
    draft = services.TicketDraft(request_type=RequestType.COMPLAINT, title="劳动仲裁结果不服",
                                 description="对劳动仲裁结果不服，要求12345撤销仲裁裁决", channel=Channel.PHONE,
                                 caller_name="李四", caller_phone=PHONE)
    with on_commit():
        return take_call(draft, actor=cast.intake, decision="not_accept", reason=reason, note=note)


def test_a_call_declined_at_once_gets_only_the_closing_text_with_the_reason(frozen_now: datetime,
                                                                            on_commit: Any) -> None:
    ticket = declined_call(Cast.build(), on_commit, NotAcceptedReason.LEGAL_CHANNEL)
    assert ticket.status == Status.NOT_ACCEPTED
    sent = list(Notification.objects.filter(ticket=ticket).values_list("template", "body"))
    assert [t for t, _ in sent] == [Template.CLOSED], sent
    assert not any("已受理" in body for _t, body in sent)
    [(_t, text)] = sent
    assert text == (f"您的工单{ticket.number}不予受理，原因：应通过诉讼、仲裁、信访等法定途径解决。"
                    "如有新的情况，可再次拨打12345反映。")
    redeliver(ticket.timeline.get(action=Action.REGISTER))  # a late or repeated receipt stays unsent
    assert not bodies(ticket, Template.ACCEPTED)


def test_the_agents_own_words_of_other_are_not_texted(frozen_now: datetime, on_commit: Any) -> None:
    ticket = declined_call(Cast.build(), on_commit, NotAcceptedReason.OTHER, note="来电人情绪激动，内部备注")
    [text] = bodies(ticket, Template.CLOSED)
    assert "不予受理" in text and "内部备注" not in text and "其他" not in text


def test_an_accepted_call_still_gets_its_receipt(frozen_now: datetime, on_commit: Any) -> None:
    cast = Cast.build()
    with on_commit():
        ticket = make_ticket(Status.REGISTERED, cast=cast, caller_phone=PHONE)
    [text] = bodies(ticket, Template.ACCEPTED)
    assert "已受理" in text and ticket.query_code in text


# --- 并单: one number, one text per step --------------------------------------------------------------


def test_one_caller_with_two_merged_orders_gets_each_message_once_naming_both(frozen_now: datetime,
                                                                              on_commit: Any) -> None:
    cast = Cast.build()
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    other = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=OTHER_PHONE)
    services.merge(duplicate, actor=cast.dispatcher, master=master)
    services.merge(other, actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    with on_commit():
        services.reply(master, actor=cast.lead_handler, unit=cast.lead, content="已疏通", contacted=True,
                       public_reply="已疏通幸福路12号污水井", resolved=True, is_truthful=True)
    with on_commit():
        services.approve_reply(master, actor=cast.inspector)
    with on_commit():
        services.record_return_visit(master, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    for template in (Template.REPLIED, Template.CLOSED):
        mine = list(Notification.objects.filter(to=PHONE, template=template).values_list("body", flat=True))
        assert len(mine) == 1, mine
        assert f"您的工单{master.number}、{duplicate.number}" in mine[0]
        assert not bodies(duplicate, template)
        [theirs] = bodies(other, template)  # another caller's merged order is told as before
        assert f"您的工单{other.number}" in theirs and duplicate.number not in theirs
    redeliver(master.timeline.get(action=Action.APPROVE_REPLY))  # a re-delivered signal: still once
    assert Notification.objects.filter(to=PHONE, template=Template.REPLIED).count() == 1


def test_two_merged_orders_of_one_other_caller_share_one_text(frozen_now: datetime, on_commit: Any) -> None:
    cast = Cast.build()
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    online = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=OTHER_PHONE)
    called = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=OTHER_PHONE)
    services.merge(online, actor=cast.dispatcher, master=master)
    services.merge(called, actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    with on_commit():
        services.reply(master, actor=cast.lead_handler, unit=cast.lead, content="已疏通", contacted=True,
                       public_reply="已疏通幸福路12号污水井", resolved=True, is_truthful=True)
    with on_commit():
        services.approve_reply(master, actor=cast.inspector)
    theirs = list(Notification.objects.filter(to=OTHER_PHONE, template=Template.REPLIED).values_list("body", flat=True))
    first, second = sorted([online, called], key=lambda t: t.pk)
    assert theirs == [f"您的工单{first.number}、{second.number}已办理答复：已疏通幸福路12号污水井"]
    assert len(bodies(master, Template.REPLIED)) == 1
