"""A failed text to a caller is not retried once a later text of the same order has overtaken it (补发 would
arrive after, and contradict, what the caller was told since): `retry.OVERTAKEN_BY` (review rv5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from hotline.notifications import retry
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import DeliveryStatus, Template
from hotline.notifications.models import Notification
from hotline.orgs.choices import UnitKind
from hotline.portal.services import open_invitation
from hotline.tickets import services
from hotline.tickets.choices import Channel, NotAcceptedReason, Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

FAILING = "hotline.notifications.tests.fakes.FailingNotifier"
MEMORY = "hotline.notifications.backends.MemoryNotifier"
PHONE = "13812345678"
NEW_UNIT = "幸福街道办事处"


def texts() -> list[str]:
    return [m.body for m in MemoryNotifier.sent if m.to == PHONE]


def dispatched_during_outage(cast: Cast, on_commit: Any, settings: Any) -> tuple[Ticket, Notification]:
    """An order dispatched to the cast's lead while the gateway is down: its 转办通知 failed."""
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    settings.HOTLINE_NOTIFIER = FAILING
    with on_commit():
        services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead)
    settings.HOTLINE_NOTIFIER = MEMORY
    note = Notification.objects.get(ticket=ticket, template=Template.DISPATCHED)
    assert note.status == DeliveryStatus.FAILED
    ticket.refresh_from_db()
    return ticket, note


def reassigned(ticket: Ticket, cast: Cast, on_commit: Any) -> None:
    """改派 to another street; the caller is told the new unit."""
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, name=NEW_UNIT)
    with on_commit():
        services.reassign(ticket, actor=cast.dispatcher, reason="属幸福街道辖区", lead=other)


def test_a_dispatch_text_naming_the_unit_the_order_was_taken_from_is_given_up(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any) -> None:
    ticket, note = dispatched_during_outage(cast, on_commit, settings)
    reassigned(ticket, cast, on_commit)
    assert NEW_UNIT in texts()[-1]
    traveller.shift(timedelta(minutes=2))

    assert retry.retry_due() == {"sent": 0, "failed": 0, "given_up": 1, "interrupted": 0}

    assert NEW_UNIT in texts()[-1] and not any(cast.lead.name in text for text in texts()), texts()
    note.refresh_from_db()
    assert (note.status, note.next_attempt_at) == (DeliveryStatus.FAILED, None)
    assert note.error.endswith(retry.GIVEN_UP_NEWER % {"newer": Template.DISPATCHED.label})
    assert "gateway down" in note.error  # the gateway's words stay, the reason follows (as the admin shows)
    traveller.shift(timedelta(hours=1))
    assert retry.retry_due()["given_up"] == 0 and NEW_UNIT in texts()[-1]  # given up once, for good


def test_a_receipt_is_not_retried_after_the_decline(traveller: Any, cast: Cast, on_commit: Any,
                                                    settings: Any) -> None:
    settings.HOTLINE_NOTIFIER = FAILING
    draft = services.TicketDraft(request_type="complaint", title="", description="路灯不亮", caller_phone=PHONE,
                                 channel=Channel.WEB)
    with on_commit():
        ticket = services.register(draft, actor=cast.intake)
    settings.HOTLINE_NOTIFIER = MEMORY
    ticket.refresh_from_db()
    with on_commit():
        services.not_accept(ticket, actor=cast.intake, reason=NotAcceptedReason.LEGAL_CHANNEL)
    traveller.shift(timedelta(minutes=2))

    with translation.override("en"):  # the reason is recorded in Chinese whatever the active language
        assert retry.retry_due()["given_up"] == 1

    assert len(texts()) == 1 and "不予受理" in texts()[-1], texts()
    receipt = Notification.objects.get(ticket=ticket, template=Template.ACCEPTED)
    assert receipt.error.endswith(retry.GIVEN_UP_NEWER % {"newer": Template.CLOSED.label})


def test_a_receipt_is_still_retried_after_the_dispatch_text(traveller: Any, cast: Cast, on_commit: Any,
                                                            settings: Any) -> None:
    """The receipt carries the query code (查询码): a later 转办通知 does not overtake it."""
    settings.HOTLINE_NOTIFIER = FAILING
    draft = services.TicketDraft(request_type="complaint", title="", description="路灯不亮", caller_phone=PHONE)
    with on_commit():
        ticket = services.register(draft, actor=cast.intake)
    settings.HOTLINE_NOTIFIER = MEMORY
    ticket.refresh_from_db()
    with on_commit():
        services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead)
    traveller.shift(timedelta(minutes=2))

    assert retry.retry_due()["sent"] == 1

    assert ticket.query_code in texts()[-1]


def test_a_text_of_another_order_of_the_same_caller_overtakes_nothing(traveller: Any, cast: Cast, on_commit: Any,
                                                                      settings: Any) -> None:
    _ticket, note = dispatched_during_outage(cast, on_commit, settings)
    other = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    with on_commit():
        services.dispatch(other, actor=cast.dispatcher, lead=cast.lead)
    traveller.shift(timedelta(minutes=2))

    assert retry.retry_due()["sent"] == 1

    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT


def test_staff_cannot_resend_an_overtaken_text_from_the_admin(traveller: Any, cast: Cast, on_commit: Any,
                                                              settings: Any, admin_client: Client) -> None:
    ticket, note = dispatched_during_outage(cast, on_commit, settings)
    reassigned(ticket, cast, on_commit)
    MemoryNotifier.sent.clear()

    assert not retry.resend(note)
    page = admin_client.post("/admin/notifications/notification/",
                             {"action": "resend", "_selected_action": [note.pk]}, follow=True)

    assert "1 条未重新发送" in page.content.decode() and "已被同一工单更新的短信取代" in page.content.decode()
    assert MemoryNotifier.sent == []
    note.refresh_from_db()
    assert note.status == DeliveryStatus.FAILED


def test_an_invitation_overtaken_by_a_newer_one_is_given_up_and_the_newer_link_keeps_working(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any) -> None:
    """The first invitation failed; the caller was reached on the phone, unsatisfied (重办); the new reply's
    invitation went out. Retrying the first would make a new link and void the one the caller holds."""
    settings.HOTLINE_NOTIFIER = FAILING
    with on_commit():
        ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    settings.HOTLINE_NOTIFIER = MEMORY
    first = Notification.objects.get(ticket=ticket, template=Template.VISIT)
    assert first.status == DeliveryStatus.FAILED
    ticket.refresh_from_db()
    services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=False,
                                 satisfaction=Satisfaction.UNSATISFIED)
    ticket.refresh_from_db()
    services.reply(ticket, actor=cast.lead_handler, unit=cast.lead, content="再次疏通", public_reply="已再次疏通",
                   contacted=True, resolved=True, is_truthful=True)
    with on_commit():
        services.approve_reply(ticket, actor=cast.inspector)
    [invitation] = [body for body in texts() if "/portal/rate/" in body]
    token = invitation.split("/portal/rate/")[1].split("/")[0]
    traveller.shift(timedelta(minutes=2))

    # The outage failed every text of the first round: the first reply is overtaken by the newer reply too; the
    # receipt (with its query code) and the dispatch text are not.
    assert retry.retry_due() == {"sent": 2, "failed": 0, "given_up": 2, "interrupted": 0}

    assert len([body for body in texts() if "/portal/rate/" in body]) == 1
    assert open_invitation(token) is not None
    first.refresh_from_db()
    assert first.error.endswith(retry.GIVEN_UP_NEWER % {"newer": Template.VISIT.label})
    old_reply = Notification.objects.filter(ticket=ticket, template=Template.REPLIED).order_by("event__seq").first()
    assert old_reply.status == DeliveryStatus.FAILED
    assert old_reply.error.endswith(retry.GIVEN_UP_NEWER % {"newer": Template.REPLIED.label})
