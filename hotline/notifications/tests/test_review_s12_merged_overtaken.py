"""A merged order's caller is texted the master's reply and closing (并单), every text hung on that order's one merge
event. A reply text that failed must not be sent again after that caller was told the order is closed: OVERTAKEN_BY
holds for them as for the master's caller — on the retry, from the admin (重新发送) and at a late first send
(`retry.superseding`: on the merge event, a later text is one written after). A text nothing overtook is still
sent, and an earlier text on the merge event never overtakes a later one (review s12)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hotline.core import clock
from hotline.notifications import retry
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import DeliveryStatus, Template
from hotline.notifications.models import Notification
from hotline.tasks import repair
from hotline.tickets import services
from hotline.tickets.choices import Action, Satisfaction, Status, TerminationReason
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

FAILING = "hotline.notifications.tests.fakes.FailingNotifier"
MEMORY = "hotline.notifications.backends.MemoryNotifier"
MASTER_PHONE, CALLER = "13812345678", "13955556666"


def texts_to(phone: str) -> list[str]:
    return [m.body for m in MemoryNotifier.sent if m.to == phone]


def merged_pair(cast: Cast, on_commit: Any) -> tuple[Ticket, Ticket]:
    """A master being handled and an order of another caller merged into it (told on time)."""
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=MASTER_PHONE)
    order = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=CALLER)
    with on_commit():
        services.merge(order, actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    return master, order


def reply_and_approve(master: Ticket, cast: Cast, on_commit: Any) -> Ticket:
    with on_commit():
        services.reply(master, actor=cast.lead_handler, unit=cast.lead, content="已疏通污水井",
                       public_reply="已疏通幸福路12号污水井", contacted=True, resolved=True, is_truthful=True)
    with on_commit():
        services.approve_reply(master, actor=cast.inspector)
    master.refresh_from_db()
    return master


def close_on_visit(master: Ticket, cast: Cast, on_commit: Any) -> Ticket:
    with on_commit():
        services.record_return_visit(master, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    master.refresh_from_db()
    return master


def test_merged_callers_failed_reply_text_is_not_resent_after_their_closing_text(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any) -> None:
    settings.HOTLINE_NOTIFIER = MEMORY
    master, _order = merged_pair(cast, on_commit)
    settings.HOTLINE_NOTIFIER = FAILING  # gateway down while the master is replied
    master = reply_and_approve(master, cast, on_commit)
    reply_note = Notification.objects.get(to=CALLER, template=Template.REPLIED)
    assert reply_note.status == DeliveryStatus.FAILED
    settings.HOTLINE_NOTIFIER = MEMORY
    MemoryNotifier.sent.clear()
    traveller.shift(timedelta(seconds=5))
    close_on_visit(master, cast, on_commit)
    assert Notification.objects.get(to=CALLER, template=Template.CLOSED).status == DeliveryStatus.SENT
    traveller.shift(timedelta(minutes=30))

    retry.retry_due()

    assert not any("已办理答复" in body for body in texts_to(CALLER)), texts_to(CALLER)
    reply_note.refresh_from_db()
    assert reply_note.next_attempt_at is None
    assert retry.GIVEN_UP_NEWER % {"newer": Template.CLOSED.label} in reply_note.error
    # As for the master's own caller, whose reply text failed with it.
    assert not any("已办理答复" in body for body in texts_to(MASTER_PHONE))
    assert Notification.objects.get(to=MASTER_PHONE, template=Template.REPLIED).next_attempt_at is None


def test_merged_callers_overtaken_reply_text_is_not_sent_from_the_admin(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any) -> None:
    settings.HOTLINE_NOTIFIER = MEMORY
    master, _order = merged_pair(cast, on_commit)
    settings.HOTLINE_NOTIFIER = FAILING
    master = reply_and_approve(master, cast, on_commit)
    settings.HOTLINE_NOTIFIER = MEMORY
    traveller.shift(timedelta(seconds=5))
    close_on_visit(master, cast, on_commit)
    MemoryNotifier.sent.clear()
    reply_note = Notification.objects.get(to=CALLER, template=Template.REPLIED)

    assert retry.overtaken_by(reply_note) == Notification.objects.get(to=CALLER, template=Template.CLOSED)
    assert not retry.resend(reply_note)

    assert texts_to(CALLER) == []
    reply_note.refresh_from_db()
    assert reply_note.status == DeliveryStatus.FAILED


def test_a_late_first_send_of_the_reply_after_the_merged_callers_closing_text_is_not_sent(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any) -> None:
    settings.HOTLINE_NOTIFIER = MEMORY
    master, order = merged_pair(cast, on_commit)
    with on_commit():
        services.reply(master, actor=cast.lead_handler, unit=cast.lead, content="已疏通污水井",
                       public_reply="已疏通幸福路12号污水井", contacted=True, resolved=True, is_truthful=True)
    services.approve_reply(master, actor=cast.inspector)  # its follow-up is lost (no on-commit delivery)
    master.refresh_from_db()
    traveller.shift(timedelta(minutes=3))
    close_on_visit(master, cast, on_commit)
    assert "已办结" in texts_to(CALLER)[-1]
    MemoryNotifier.sent.clear()
    traveller.shift(timedelta(minutes=15))

    repair.follow_up_again(repair.steps_missing_follow_up(clock.now()))

    assert not any("已办理答复" in body for body in texts_to(CALLER)), texts_to(CALLER)
    note = Notification.objects.get(to=CALLER, template=Template.REPLIED)
    assert (note.status, note.attempts, note.next_attempt_at) == (DeliveryStatus.FAILED, 0, None)
    assert note.error == retry.NOT_SENT_NEWER % {"newer": Template.CLOSED.label}
    assert note.event == order.timeline.get(action=Action.MERGE)
    assert not any("已办理答复" in body for body in texts_to(MASTER_PHONE))  # as for the master's caller


@pytest.mark.parametrize("sender", ["retry", "admin"])
def test_merged_callers_failed_reply_text_nothing_overtook_is_still_sent(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any, sender: str) -> None:
    settings.HOTLINE_NOTIFIER = MEMORY
    master, _order = merged_pair(cast, on_commit)
    settings.HOTLINE_NOTIFIER = FAILING
    reply_and_approve(master, cast, on_commit)  # 待回访: nobody told the order closed
    reply_note = Notification.objects.get(to=CALLER, template=Template.REPLIED)
    assert reply_note.status == DeliveryStatus.FAILED and reply_note.next_attempt_at is not None
    settings.HOTLINE_NOTIFIER = MEMORY
    MemoryNotifier.sent.clear()
    traveller.shift(timedelta(minutes=5))

    if sender == "retry":
        retry.retry_due()
    else:
        assert retry.resend(reply_note)

    assert [body for body in texts_to(CALLER) if "已疏通幸福路12号污水井" in body]
    reply_note.refresh_from_db()
    assert reply_note.status == DeliveryStatus.SENT


def test_an_earlier_closing_text_on_the_merge_event_does_not_overtake_a_later_termination_text(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any) -> None:
    settings.HOTLINE_NOTIFIER = MEMORY
    master, _order = merged_pair(cast, on_commit)
    master = close_on_visit(reply_and_approve(master, cast, on_commit), cast, on_commit)
    assert Notification.objects.get(to=CALLER, template=Template.CLOSED).status == DeliveryStatus.SENT
    traveller.shift(timedelta(hours=1))
    with on_commit():  # the problem came back: handled again, then stopped (终止办理) while the gateway is down
        master = services.reopen(master, actor=cast.inspector, reason="群众来电反映污水再次外溢")
        master = services.dispatch(master, actor=cast.dispatcher, lead=cast.lead)
        master = services.sign(master, actor=cast.lead_handler, unit=cast.lead)
    settings.HOTLINE_NOTIFIER = FAILING
    with on_commit():
        master = services.apply_termination(master, actor=cast.lead_handler,
                                            reason_code=TerminationReason.LEGAL_CHANNEL,
                                            reason="群众已就此事提起诉讼，申请终止办理")
        services.decide_termination(master, actor=cast.dispatcher, approve=True, note="经核实已进入诉讼程序，同意终止")
    ended = Notification.objects.get(to=CALLER, template=Template.TERMINATED)
    assert ended.status == DeliveryStatus.FAILED and ended.next_attempt_at is not None
    settings.HOTLINE_NOTIFIER = MEMORY
    MemoryNotifier.sent.clear()
    traveller.shift(timedelta(minutes=5))

    retry.retry_due()

    ended.refresh_from_db()
    assert ended.status == DeliveryStatus.SENT
    assert retry.overtaken_by(Notification.objects.get(to=CALLER, template=Template.CLOSED)) == ended
