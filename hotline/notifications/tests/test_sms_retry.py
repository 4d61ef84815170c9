"""A caller's failed text is sent again (群众短信补发): with backoff, a few times, while news (NEWS_WITHIN), never
twice; staff can send one again from the admin; the gateway's answer is read whatever the case of its fields."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from hotline.core import clock
from hotline.notifications import retry
from hotline.notifications.backends import Message, SmsNotifier, gateway_refusal
from hotline.notifications.choices import DeliveryStatus, Template
from hotline.notifications.constants import MAX_ATTEMPTS, NEWS_WITHIN
from hotline.notifications.exceptions import NotificationError
from hotline.notifications.models import Notification
from hotline.tasks import tasks
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
FAILING = "hotline.notifications.tests.fakes.FailingNotifier"
FILE = "hotline.notifications.backends.FileNotifier"


def outbox(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def register_during_outage(cast: Cast, on_commit: Any, settings: Any) -> tuple[Ticket, Notification]:
    settings.HOTLINE_NOTIFIER = FAILING
    draft = services.TicketDraft(request_type="complaint", title="", description="路灯不亮", caller_phone=PHONE)
    with on_commit():
        ticket = services.register(draft, actor=cast.intake)
    settings.HOTLINE_NOTIFIER = FILE
    return ticket, Notification.objects.get(ticket=ticket)


def test_a_failed_receipt_is_retried_after_the_outage_with_its_query_code(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any, _outbox: Path) -> None:
    ticket, note = register_during_outage(cast, on_commit, settings)
    assert (note.status, note.attempts) == (DeliveryStatus.FAILED, 1)
    assert note.next_attempt_at == note.created_at + timedelta(minutes=1)
    assert tasks.retry_failed_texts.delay().get()["sent"] == 0  # not due yet
    traveller.shift(timedelta(minutes=1))
    assert tasks.retry_failed_texts.delay().get() == {"sent": 1, "failed": 0, "given_up": 0, "interrupted": 0}
    [sms] = outbox(_outbox)
    assert sms["to"] == PHONE and ticket.query_code in sms["body"] and ticket.number in sms["body"]
    note.refresh_from_db()
    assert (note.status, note.attempts, note.next_attempt_at, note.error) == (DeliveryStatus.SENT, 2, None, "")
    traveller.shift(timedelta(hours=1))
    assert tasks.retry_failed_texts.delay().get()["sent"] == 0 and len(outbox(_outbox)) == 1  # never twice


def test_each_failure_waits_twice_as_long_and_gives_up_after_the_last_try(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any, _outbox: Path) -> None:
    _ticket, note = register_during_outage(cast, on_commit, settings)
    settings.HOTLINE_NOTIFIER = FAILING
    waits = []
    for _try in range(MAX_ATTEMPTS - 1):
        waits.append(note.next_attempt_at - clock.now())
        traveller.move_to(note.next_attempt_at)
        assert tasks.retry_failed_texts.delay().get()["failed"] == 1
        note.refresh_from_db()
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert (note.attempts, note.status, note.next_attempt_at) == (MAX_ATTEMPTS, DeliveryStatus.FAILED, None)
    traveller.shift(timedelta(hours=2))
    assert tasks.retry_failed_texts.delay().get() == {"sent": 0, "failed": 0, "given_up": 0, "interrupted": 0}


def test_a_text_no_longer_news_is_given_up_not_sent_late(traveller: Any, cast: Cast, on_commit: Any,
                                                         settings: Any, _outbox: Path) -> None:
    _ticket, note = register_during_outage(cast, on_commit, settings)
    traveller.shift(NEWS_WITHIN + timedelta(minutes=1))  # the workers were down all that time
    assert tasks.retry_failed_texts.delay().get()["given_up"] == 1
    note.refresh_from_db()
    assert note.status == DeliveryStatus.FAILED and note.next_attempt_at is None
    assert note.error.startswith("gateway down") and note.error.endswith(retry.GIVEN_UP_OLD)
    assert outbox(_outbox) == []


def test_a_text_claimed_by_another_sender_is_not_sent_again(traveller: Any, cast: Cast, on_commit: Any,
                                                            settings: Any, _outbox: Path) -> None:
    _ticket, note = register_during_outage(cast, on_commit, settings)
    traveller.shift(timedelta(minutes=1))
    assert retry.claim(note)  # another worker took it and is talking to the gateway
    assert not retry.claim(Notification.objects.get(pk=note.pk))
    assert retry.retry_due()["sent"] == 0 and outbox(_outbox) == []
    traveller.shift(timedelta(minutes=11))  # that worker died: unknown whether it went out, so never again
    assert retry.retry_due() == {"sent": 0, "failed": 0, "given_up": 0, "interrupted": 1}
    note.refresh_from_db()
    assert (note.status, note.next_attempt_at, note.error) == (DeliveryStatus.FAILED, None, retry.INTERRUPTED)


def test_an_invitation_to_rate_is_resent_with_a_new_working_link(traveller: Any, cast: Cast, on_commit: Any,
                                                                 settings: Any, _outbox: Path) -> None:
    from hotline.portal.services import open_invitation

    settings.HOTLINE_NOTIFIER = FAILING
    with on_commit():
        ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    settings.HOTLINE_NOTIFIER = FILE
    note = Notification.objects.get(ticket=ticket, template=Template.VISIT)
    assert note.status == DeliveryStatus.FAILED and "***" in note.body
    traveller.shift(timedelta(minutes=1))
    assert retry.retry_due()["sent"] >= 1
    [sms] = [m for m in outbox(_outbox) if "/portal/rate/" in m["body"]]
    token = sms["body"].split("/portal/rate/")[1].split("/")[0]
    assert token != "***" and open_invitation(token) is not None
    note.refresh_from_db()
    assert "***" in note.body and token not in note.body  # the secret is still not stored


def test_an_invitation_for_an_order_no_longer_awaiting_its_visit_is_given_up(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any, _outbox: Path) -> None:
    settings.HOTLINE_NOTIFIER = FAILING
    with on_commit():
        ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    settings.HOTLINE_NOTIFIER = FILE
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)  # rated on the phone meanwhile
    note = Notification.objects.get(ticket=ticket, template=Template.VISIT)
    traveller.shift(timedelta(minutes=1))
    retry.retry_due()
    note.refresh_from_db()
    assert note.status == DeliveryStatus.FAILED and note.error.endswith(retry.GIVEN_UP_VISIT)
    assert not [m for m in outbox(_outbox) if "/portal/rate/" in m["body"]]


def test_staff_resend_a_failed_text_from_the_admin(traveller: Any, cast: Cast, on_commit: Any, settings: Any,
                                                  _outbox: Path, admin_client: Client) -> None:
    ticket, note = register_during_outage(cast, on_commit, settings)
    traveller.shift(timedelta(days=2))  # given up long ago: staff decide to send it anyway
    Notification.objects.filter(pk=note.pk).update(next_attempt_at=None)
    page = admin_client.post("/admin/notifications/notification/",
                             {"action": "resend", "_selected_action": [note.pk]}, follow=True)
    assert "已重新发送 1 条短信" in page.content.decode()
    [sms] = outbox(_outbox)
    assert ticket.query_code in sms["body"]
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT and LogEntry.objects.filter(object_id=str(note.pk)).exists()
    page = admin_client.post("/admin/notifications/notification/",
                             {"action": "resend", "_selected_action": [note.pk]}, follow=True)
    assert "1 条未重新发送" in page.content.decode() and len(outbox(_outbox)) == 1  # a sent text: not again


def test_a_unit_alert_is_not_retried(cast: Cast, on_commit: Any, settings: Any) -> None:
    note = Notification(recipient="unit", attempts=1, created_at=clock.now())
    assert retry.next_try(note, clock.now()) is None
    assert not retry.resend(Notification.objects.create(
        recipient="unit", template=Template.UNIT_DISPATCHED, channel="sms", to=PHONE, body="x",
        status=DeliveryStatus.FAILED, created_at=clock.now()))


@pytest.mark.parametrize(("answer", "refused"), [
    ({"code": 0}, False), ({"code": "0"}, False), ({"Code": "OK", "Message": "OK", "RequestId": "x"}, False),
    ({"errcode": 0, "errmsg": "ok"}, False), ({}, False), ([], False), ({"Response": {"Code": "Ok"}}, False),
    ({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}, True), ({"code": 1001}, True),
    ({"errcode": 40001, "errmsg": "invalid sign"}, True), ({"success": False, "msg": "余额不足"}, True),
    ({"Response": {"Error": {"Code": "x"}, "Code": "FailedOperation"}}, True),
])
def test_the_gateway_answer_is_read_whatever_the_case_of_its_fields(answer: Any, refused: bool) -> None:
    assert bool(gateway_refusal(answer)) is refused


def test_an_aliyun_style_refusal_is_a_failure(monkeypatch: Any) -> None:
    class Answer:
        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def read(self, _size: int) -> bytes:
            return json.dumps({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}).encode()

    monkeypatch.setattr("urllib.request.urlopen", lambda *a, **k: Answer())
    notifier = SmsNotifier(url="https://sms.example.cn/send", account="a", key="k")
    with pytest.raises(NotificationError, match="isv.MOBILE_NUMBER_ILLEGAL 非法手机号"):
        notifier.send(Message(channel="sms", to=PHONE, subject="", body="您好"))


def test_the_beat_schedule_runs_the_retry_every_minute(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["texts-retry"]
    assert entry["task"] == tasks.retry_failed_texts.name and entry["schedule"] == 60.0


