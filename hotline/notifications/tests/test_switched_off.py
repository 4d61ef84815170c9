"""HOTLINE_NOTIFICATIONS_ENABLED = False turns every text off: the periodic retry (补发) and the admin's
「重新发送」 too, until it is switched on again (review rv5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from hotline.notifications import retry
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import DeliveryStatus
from hotline.notifications.models import Notification
from hotline.tickets import services
from hotline.tickets.tests.factories import Cast

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

FAILING = "hotline.notifications.tests.fakes.FailingNotifier"
MEMORY = "hotline.notifications.backends.MemoryNotifier"
PHONE = "13812345678"
NOTHING = {"sent": 0, "failed": 0, "given_up": 0, "interrupted": 0}


def failed_receipt(cast: Cast, on_commit: Any, settings: Any) -> Notification:
    settings.HOTLINE_NOTIFIER = FAILING
    draft = services.TicketDraft(request_type="complaint", title="", description="路灯不亮", caller_phone=PHONE)
    with on_commit():
        services.register(draft, actor=cast.intake)
    settings.HOTLINE_NOTIFIER = MEMORY
    note = Notification.objects.get()
    assert note.status == DeliveryStatus.FAILED
    return note


def test_switching_notifications_off_stops_the_retries_until_switched_on_again(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any) -> None:
    note = failed_receipt(cast, on_commit, settings)
    settings.HOTLINE_NOTIFICATIONS_ENABLED = False  # the centre switches texts off
    traveller.shift(timedelta(minutes=2))

    assert retry.retry_due() == NOTHING

    assert MemoryNotifier.sent == []
    note.refresh_from_db()
    assert (note.status, note.attempts) == (DeliveryStatus.FAILED, 1) and note.next_attempt_at is not None
    settings.HOTLINE_NOTIFICATIONS_ENABLED = True
    assert retry.retry_due()["sent"] == 1 and [m.to for m in MemoryNotifier.sent] == [PHONE]


def test_the_admins_resend_sends_nothing_while_notifications_are_off_and_says_why(
        traveller: Any, cast: Cast, on_commit: Any, settings: Any, admin_client: Client) -> None:
    note = failed_receipt(cast, on_commit, settings)
    settings.HOTLINE_NOTIFICATIONS_ENABLED = False

    assert not retry.resend(note)
    page = admin_client.post("/admin/notifications/notification/",
                             {"action": "resend", "_selected_action": [note.pk]}, follow=True)

    assert "短信通知已关闭" in page.content.decode()
    assert MemoryNotifier.sent == []
    note.refresh_from_db()
    assert (note.status, note.attempts) == (DeliveryStatus.FAILED, 1)
