"""A step followed up late (a lagging worker queue, the repair of lost follow-ups, `hotline.tasks.repair`) does not
send a first-time text a later step's text already overtook, nor any once the step is no longer news
(`retry.not_news`, the retry's own rules): it is recorded not sent, with the reason, as a given-up 补发 is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from hotline.core import clock
from hotline.notifications import retry
from hotline.notifications import services as notifications
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import DeliveryStatus, Template
from hotline.notifications.constants import NEWS_WITHIN
from hotline.notifications.models import Notification
from hotline.orgs.choices import UnitKind
from hotline.portal.models import VisitInvitation
from hotline.tasks import repair
from hotline.tickets import services
from hotline.tickets.choices import Action, Satisfaction, Status
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

PHONE = "13812345678"
NEW_UNIT = "幸福街道办事处"
NOTHING = {"sent": 0, "failed": 0, "given_up": 0, "interrupted": 0}


def texts() -> list[str]:
    return [m.body for m in MemoryNotifier.sent if m.to == PHONE]


def subjects() -> list[str]:
    return [m.subject for m in MemoryNotifier.sent if m.to == PHONE]


def follow_up_lost_steps() -> None:
    """The repair's run (every 5 minutes): the steps whose follow-up was lost are followed up again."""
    repair.follow_up_again(repair.steps_missing_follow_up(clock.now()))


def step(ticket: Ticket, action: str) -> TimelineEvent:
    """The order's first step of this action (a 改派 is a dispatch step too)."""
    return ticket.timeline.filter(action=action).order_by("seq").first()


def test_a_late_follow_up_of_an_approved_reply_after_the_close_sends_no_reply_text(
        traveller: Any, cast: Cast, on_commit: Any, admin_client: Client) -> None:
    ticket = make_ticket(Status.REPLIED, cast=cast, caller_phone=PHONE)
    services.approve_reply(ticket, actor=cast.inspector)  # 待回访; its follow-up is lost (no on-commit delivery)
    traveller.shift(timedelta(minutes=3))
    ticket.refresh_from_db()
    with on_commit():  # the inspector's phone visit closes the order; the caller is told 「已办结」
        services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    assert "已办结" in texts()[-1]
    MemoryNotifier.sent.clear()
    traveller.shift(timedelta(minutes=15))

    follow_up_lost_steps()

    assert str(Template.REPLIED.label) not in subjects() and str(Template.VISIT.label) not in subjects()
    note = Notification.objects.get(ticket=ticket, template=Template.REPLIED)
    assert (note.status, note.attempts, note.next_attempt_at, note.sent_at) == (DeliveryStatus.FAILED, 0, None, None)
    assert note.error == retry.NOT_SENT_NEWER % {"newer": Template.CLOSED.label}
    assert note.event == step(ticket, Action.APPROVE_REPLY)
    # Never sent later: neither by the retry nor from the admin, which shows why like a given-up 补发.
    traveller.shift(timedelta(hours=1))
    assert retry.retry_due() == NOTHING
    assert not retry.resend(note)
    page = admin_client.get(f"/admin/notifications/notification/{note.pk}/change/").content.decode()
    assert note.error in page and str(DeliveryStatus.FAILED.label) in page
    assert MemoryNotifier.sent == []


def test_a_late_follow_up_of_an_approved_reply_is_sent_while_the_order_awaits_its_visit(
        traveller: Any, cast: Cast) -> None:
    ticket = make_ticket(Status.REPLIED, cast=cast, caller_phone=PHONE)
    services.approve_reply(ticket, actor=cast.inspector)
    traveller.shift(timedelta(minutes=15))

    follow_up_lost_steps()

    assert str(Template.REPLIED.label) in subjects() and str(Template.VISIT.label) in subjects()
    note = Notification.objects.get(ticket=ticket, template=Template.REPLIED)
    assert (note.status, note.error) == (DeliveryStatus.SENT, "")


def test_a_late_dispatch_text_after_the_reassignment_was_told_is_not_sent(
        traveller: Any, cast: Cast, on_commit: Any) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead)  # its follow-up is lost
    traveller.shift(timedelta(minutes=3))
    ticket.refresh_from_db()
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, name=NEW_UNIT)
    with on_commit():  # 改派: the caller is told the new unit
        services.reassign(ticket, actor=cast.dispatcher, reason="属幸福街道辖区", lead=other)
    assert NEW_UNIT in texts()[-1]
    traveller.shift(timedelta(minutes=15))

    follow_up_lost_steps()

    assert not any(cast.lead.name in text for text in texts()), texts()
    first = Notification.objects.get(ticket=ticket, template=Template.DISPATCHED, event=step(ticket, Action.DISPATCH))
    assert (first.status, first.next_attempt_at) == (DeliveryStatus.FAILED, None)
    assert first.error == retry.NOT_SENT_NEWER % {"newer": Template.DISPATCHED.label}
    assert cast.lead.name in first.body  # what it would have said stays on record
    # The receipt followed up as late is still sent: its query code is not overtaken by a 转办通知.
    assert ticket.query_code in texts()[-1]
    assert Notification.objects.get(ticket=ticket, template=Template.ACCEPTED).status == DeliveryStatus.SENT


def test_a_late_dispatch_text_nothing_overtook_is_still_sent(traveller: Any, cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead)
    traveller.shift(timedelta(minutes=15))

    follow_up_lost_steps()

    assert any(cast.lead.name in text for text in texts()), texts()
    note = Notification.objects.get(ticket=ticket, template=Template.DISPATCHED)
    assert (note.status, note.error) == (DeliveryStatus.SENT, "")


def test_on_time_texts_are_sent_as_ever(cast: Cast, on_commit: Any) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    with on_commit():
        services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead)
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, name=NEW_UNIT)
    ticket.refresh_from_db()
    with on_commit():
        services.reassign(ticket, actor=cast.dispatcher, reason="属幸福街道辖区", lead=other)

    assert cast.lead.name in texts()[-2] and NEW_UNIT in texts()[-1]
    assert set(Notification.objects.filter(ticket=ticket).values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_a_late_invitation_overtaken_by_a_newer_one_makes_no_link(traveller: Any, cast: Cast,
                                                                    on_commit: Any) -> None:
    """The first reply's follow-up is lost; the caller is unsatisfied on the phone (重办) and the new reply's
    invitation goes out. Following up the first late must not send its reply nor void the caller's link."""
    ticket = make_ticket(Status.REPLIED, cast=cast, caller_phone=PHONE)
    services.approve_reply(ticket, actor=cast.inspector)  # lost
    ticket.refresh_from_db()
    services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=False,
                                 satisfaction=Satisfaction.UNSATISFIED)
    ticket.refresh_from_db()
    services.reply(ticket, actor=cast.lead_handler, unit=cast.lead, content="再次疏通", public_reply="已再次疏通",
                   contacted=True, resolved=True, is_truthful=True)
    with on_commit():
        services.approve_reply(ticket, actor=cast.inspector)
    links = list(VisitInvitation.objects.filter(ticket=ticket).values_list("pk", flat=True))
    assert len(links) == 1
    MemoryNotifier.sent.clear()
    traveller.shift(timedelta(minutes=15))

    follow_up_lost_steps()

    assert not any(s in subjects() for s in (str(Template.REPLIED.label), str(Template.VISIT.label))), subjects()
    assert list(VisitInvitation.objects.filter(ticket=ticket).values_list("pk", flat=True)) == links
    first = step(ticket, Action.APPROVE_REPLY)
    old_invitation = Notification.objects.get(ticket=ticket, template=Template.VISIT, event=first)
    assert old_invitation.error == retry.NOT_SENT_NEWER % {"newer": Template.VISIT.label}
    assert old_invitation.body.count(retry.HIDDEN) == 1
    old_reply = Notification.objects.get(ticket=ticket, template=Template.REPLIED, event=first)
    assert old_reply.error == retry.NOT_SENT_NEWER % {"newer": Template.REPLIED.label}


def test_a_step_followed_up_after_the_news_window_sends_nothing_and_says_why(
        traveller: Any, cast: Cast, admin_client: Client) -> None:
    """A worker queue lagging past NEWS_WITHIN (or a follow-up run by hand): the texts are recorded, not sent;
    staff may still send one from the admin (重新发送 ignores the age)."""
    draft = services.TicketDraft(request_type="complaint", title="", description="路灯不亮", caller_phone=PHONE)
    ticket = services.register(draft, actor=cast.intake)  # its follow-up waits in the queue
    event = step(ticket, Action.REGISTER)
    traveller.shift(NEWS_WITHIN + timedelta(minutes=1))

    assert notifications.notify_event(ticket_id=ticket.pk, event_id=event.pk, action=event.action,
                                      from_status=event.from_status, to_status=event.to_status) == []

    assert texts() == []
    note = Notification.objects.get(ticket=ticket, template=Template.ACCEPTED)
    assert (note.status, note.error, note.next_attempt_at) == (DeliveryStatus.FAILED, retry.NOT_SENT_OLD, None)
    assert retry.retry_due() == NOTHING and texts() == []
    admin_client.post("/admin/notifications/notification/", {"action": "resend", "_selected_action": [note.pk]})
    assert ticket.query_code in texts()[-1]


def test_a_step_followed_up_late_but_within_the_news_window_is_sent(traveller: Any, cast: Cast) -> None:
    draft = services.TicketDraft(request_type="complaint", title="", description="路灯不亮", caller_phone=PHONE)
    ticket = services.register(draft, actor=cast.intake)
    event = step(ticket, Action.REGISTER)
    traveller.shift(NEWS_WITHIN - timedelta(minutes=1))

    [note] = notifications.notify_event(ticket_id=ticket.pk, event_id=event.pk, action=event.action,
                                        from_status=event.from_status, to_status=event.to_status)

    assert note.status == DeliveryStatus.SENT and ticket.query_code in texts()[-1]


def test_a_failed_reply_text_is_not_retried_after_the_close(traveller: Any, cast: Cast, on_commit: Any,
                                                            settings: Any) -> None:
    """The same rule at the retry (补发): the 办结通知 overtakes a 答复通知 that failed before it."""
    ticket = make_ticket(Status.REPLIED, cast=cast, caller_phone=PHONE)
    settings.HOTLINE_NOTIFIER = "hotline.notifications.tests.fakes.FailingNotifier"
    with on_commit():
        services.approve_reply(ticket, actor=cast.inspector)
    settings.HOTLINE_NOTIFIER = "hotline.notifications.backends.MemoryNotifier"
    ticket.refresh_from_db()
    with on_commit():
        services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    traveller.shift(timedelta(minutes=2))

    assert retry.retry_due()["given_up"] == 2  # the reply and the invitation (the order no longer awaits its visit)

    assert str(Template.REPLIED.label) not in subjects()
    note = Notification.objects.get(ticket=ticket, template=Template.REPLIED)
    assert note.error.endswith(retry.GIVEN_UP_NEWER % {"newer": Template.CLOSED.label})
