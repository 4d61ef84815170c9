"""A caller's text left queued (待发送) by a sender that died after writing it (kill -9, a deploy, OOM) is sent by
the periodic retry once it has waited QUEUED_GRACE, under the retry's rules, and never twice: the normal
sender and the sweep both claim it first (queued → sending)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from hotline.core import clock
from hotline.notifications import retry
from hotline.notifications import services as notifications
from hotline.notifications.backends import Message
from hotline.notifications.choices import DeliveryStatus, Template
from hotline.notifications.constants import INTERRUPTED_AFTER, NEWS_WITHIN, QUEUED_GRACE
from hotline.notifications.models import Notification
from hotline.tasks import tasks
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
NOTHING = {"sent": 0, "failed": 0, "given_up": 0, "interrupted": 0}


def outbox(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@contextmanager
def dying_sender(monkeypatch: Any) -> Iterator[list[tuple[Notification, Message]]]:
    """Inside, the follow-up writes its texts and dies before claiming them (yields what it was about to send)."""
    stopped: list[tuple[Notification, Message]] = []
    with monkeypatch.context() as patch:
        patch.setattr(notifications, "send_claimed", lambda note, message: stopped.append((note, message)))
        yield stopped


def register(cast: Cast, on_commit: Any, phone: str = PHONE) -> Ticket:
    draft = services.TicketDraft(request_type="complaint", title="", description="路灯不亮", caller_phone=phone)
    with on_commit():
        return services.register(draft, actor=cast.intake)


def register_then_die(cast: Cast, on_commit: Any, monkeypatch: Any,
                      phone: str = PHONE) -> tuple[Ticket, Notification, Message]:
    with dying_sender(monkeypatch) as stopped:
        ticket = register(cast, on_commit, phone)
    [(note, message)] = stopped
    assert Notification.objects.get(pk=note.pk).status == DeliveryStatus.QUEUED
    return ticket, note, message


def test_a_receipt_left_queued_is_sent_once_after_the_grace_period(
        traveller: Any, cast: Cast, on_commit: Any, monkeypatch: Any, _outbox: Path) -> None:
    ticket, note, _message = register_then_die(cast, on_commit, monkeypatch)
    traveller.shift(QUEUED_GRACE - timedelta(seconds=1))  # its sender may still be at work: left alone
    assert tasks.retry_failed_texts.delay().get() == NOTHING
    note.refresh_from_db()
    assert note.status == DeliveryStatus.QUEUED and outbox(_outbox) == []
    traveller.shift(timedelta(seconds=1))
    assert tasks.retry_failed_texts.delay().get() == {**NOTHING, "sent": 1}
    [sms] = outbox(_outbox)
    assert sms["to"] == PHONE and ticket.query_code in sms["body"] and ticket.number in sms["body"]
    note.refresh_from_db()
    assert (note.status, note.attempts, note.claimed_at, note.error) == (DeliveryStatus.SENT, 1, clock.now(), "")
    traveller.shift(timedelta(hours=1))
    assert tasks.retry_failed_texts.delay().get() == NOTHING and len(outbox(_outbox)) == 1  # never twice


def test_the_normal_sender_claims_its_text_before_sending(traveller: Any, cast: Cast, on_commit: Any,
                                                          _outbox: Path) -> None:
    ticket = register(cast, on_commit)
    note = Notification.objects.get(ticket=ticket)
    assert (note.status, note.claimed_at, note.attempts) == (DeliveryStatus.SENT, clock.now(), 1)
    traveller.shift(QUEUED_GRACE + timedelta(hours=1))
    assert retry.retry_due() == NOTHING and len(outbox(_outbox)) == 1


def test_a_slow_sender_does_not_send_what_the_sweep_sent(traveller: Any, cast: Cast, on_commit: Any,
                                                         monkeypatch: Any, _outbox: Path) -> None:
    _ticket, note, message = register_then_die(cast, on_commit, monkeypatch)
    traveller.shift(QUEUED_GRACE)
    assert retry.retry_due()["sent"] == 1
    assert notifications.send_claimed(note, message) is None  # the original sender wakes up: the text is taken
    assert len(outbox(_outbox)) == 1
    assert Notification.objects.get(pk=note.pk).attempts == 1


def test_the_sweep_does_not_send_what_the_normal_sender_claimed(traveller: Any, cast: Cast, on_commit: Any,
                                                                monkeypatch: Any, _outbox: Path) -> None:
    _ticket, note, _message = register_then_die(cast, on_commit, monkeypatch)
    assert retry.claim(note)  # the normal sender took it and is talking to a slow gateway
    assert not retry.claim(Notification.objects.get(pk=note.pk))
    traveller.shift(QUEUED_GRACE)
    assert retry.retry_due() == NOTHING and outbox(_outbox) == []
    traveller.shift(INTERRUPTED_AFTER)  # that sender died mid-call: unknown whether it went out, so never again
    assert retry.retry_due() == {**NOTHING, "interrupted": 1}
    note.refresh_from_db()
    assert (note.status, note.next_attempt_at, note.error) == (DeliveryStatus.FAILED, None, retry.INTERRUPTED)
    assert outbox(_outbox) == []


def test_a_text_left_queued_for_longer_than_the_news_window_is_given_up_with_its_reason(
        traveller: Any, cast: Cast, on_commit: Any, monkeypatch: Any, _outbox: Path) -> None:
    _ticket, note, _message = register_then_die(cast, on_commit, monkeypatch)
    traveller.shift(NEWS_WITHIN + timedelta(minutes=1))  # the workers were down all that time
    assert retry.retry_due() == {**NOTHING, "given_up": 1}
    note.refresh_from_db()
    assert (note.status, note.next_attempt_at, note.attempts) == (DeliveryStatus.FAILED, None, 0)
    assert note.error == f"{retry.STRANDED}\n{retry.GIVEN_UP_OLD}"
    assert retry.retry_due() == NOTHING and outbox(_outbox) == []


def test_an_invitation_left_queued_is_given_up_once_the_order_no_longer_awaits_its_visit(
        traveller: Any, cast: Cast, on_commit: Any, monkeypatch: Any, _outbox: Path) -> None:
    with dying_sender(monkeypatch), on_commit():
        ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)  # rated on the phone meanwhile
    traveller.shift(QUEUED_GRACE)
    result = retry.retry_due()
    invitation = Notification.objects.get(ticket=ticket, template=Template.VISIT)
    assert invitation.status == DeliveryStatus.FAILED and invitation.error.endswith(retry.GIVEN_UP_VISIT)
    assert result["given_up"] == 1 and result["sent"] == ticket.notifications.filter(recipient="citizen").count() - 1
    assert not [m for m in outbox(_outbox) if "/portal/rate/" in m["body"]]


def test_an_invitation_left_queued_is_sent_with_a_working_link(traveller: Any, cast: Cast, on_commit: Any,
                                                               monkeypatch: Any, _outbox: Path) -> None:
    from hotline.portal.services import open_invitation

    with dying_sender(monkeypatch), on_commit():
        ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    traveller.shift(QUEUED_GRACE)
    retry.retry_due()
    [sms] = [m for m in outbox(_outbox) if "/portal/rate/" in m["body"]]
    token = sms["body"].split("/portal/rate/")[1].split("/")[0]
    assert token != retry.HIDDEN and open_invitation(token) is not None
    invitation = Notification.objects.get(ticket=ticket, template=Template.VISIT)
    assert invitation.status == DeliveryStatus.SENT and token not in invitation.body


def test_a_run_sends_at_most_its_limit_the_longest_waiting_first(
        traveller: Any, cast: Cast, on_commit: Any, monkeypatch: Any, _outbox: Path) -> None:
    phones = ["13800000001", "13800000002", "13800000003"]
    for phone in phones:
        register_then_die(cast, on_commit, monkeypatch, phone)
        traveller.shift(timedelta(minutes=1))
    traveller.shift(QUEUED_GRACE)
    assert retry.retry_due(limit=2)["sent"] == 2
    assert [m["to"] for m in outbox(_outbox)] == phones[:2]
    assert retry.retry_due(limit=2)["sent"] == 1
    assert [m["to"] for m in outbox(_outbox)] == phones


def test_the_limit_is_shared_with_failed_texts_by_how_long_each_has_waited(
        traveller: Any, cast: Cast, on_commit: Any, monkeypatch: Any, settings: Any, _outbox: Path) -> None:
    settings.HOTLINE_NOTIFIER = "hotline.notifications.tests.fakes.FailingNotifier"
    register(cast, on_commit, "13800000001")  # failed: due again a minute later
    settings.HOTLINE_NOTIFIER = "hotline.notifications.backends.FileNotifier"
    register_then_die(cast, on_commit, monkeypatch, "13800000002")  # left queued: due QUEUED_GRACE later
    traveller.shift(QUEUED_GRACE)
    assert retry.retry_due(limit=1)["sent"] == 1
    assert [m["to"] for m in outbox(_outbox)] == ["13800000001"]
    assert retry.retry_due(limit=1)["sent"] == 1
    assert [m["to"] for m in outbox(_outbox)] == ["13800000001", "13800000002"]


def test_the_admin_lists_texts_left_queued_and_staff_send_one_now(
        traveller: Any, cast: Cast, on_commit: Any, monkeypatch: Any, admin_client: Client, _outbox: Path) -> None:
    stranded, old, _message = register_then_die(cast, on_commit, monkeypatch, "13800000001")
    traveller.shift(QUEUED_GRACE)
    young_ticket, young, _message = register_then_die(cast, on_commit, monkeypatch, "13800000002")
    listing = admin_client.get("/admin/notifications/notification/?stranded=yes").content.decode()
    assert "待发送超过5分钟" in listing
    assert stranded.number in listing and young_ticket.number not in listing
    page = admin_client.post("/admin/notifications/notification/",
                             {"action": "resend", "_selected_action": [old.pk, young.pk]}, follow=True)
    content = page.content.decode()
    assert "已重新发送 1 条短信" in content and "1 条未重新发送" in content  # the young one's sender is at work
    [sms] = outbox(_outbox)
    assert sms["to"] == "13800000001" and stranded.query_code in sms["body"]
    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.status, young.status) == (DeliveryStatus.SENT, DeliveryStatus.QUEUED)
    assert LogEntry.objects.filter(object_id=str(old.pk)).exists()
    assert not LogEntry.objects.filter(object_id=str(young.pk)).exists()
