"""One window in which a caller's text is news (`notifications.constants.NEWS_WITHIN`): the repair of lost
follow-ups looks no further back for the steps whose texts it sends, and the retry (补发) gives up a text
left unsent as it ends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from hotline import celery_app
from hotline.core import clock
from hotline.notifications import retry
from hotline.notifications import services as notifications
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import DeliveryStatus, Template
from hotline.notifications.constants import NEWS_WITHIN
from hotline.notifications.models import Notification
from hotline.tasks import repair
from hotline.tickets import services
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager() -> Iterator[None]:
    """Tasks run inline whatever the environment says (as in test_tasks.py)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def register(cast: Cast, phone: str) -> Ticket:
    """An order registered by phone whose follow-up is lost (nothing runs on commit)."""
    draft = services.TicketDraft(request_type="complaint", title="", description="路灯不亮", caller_phone=phone)
    return services.register(draft, actor=cast.intake)


def register_then_die(cast: Cast, phone: str, capture: Any, monkeypatch: pytest.MonkeyPatch) -> Notification:
    """An order whose follow-up wrote the receipt and died before sending it (left 待发送)."""
    with monkeypatch.context() as patch:
        patch.setattr(notifications, "send_claimed", lambda note, message: None)
        with capture(execute=True):
            ticket = register(cast, phone)
    return Notification.objects.get(ticket=ticket, template=Template.ACCEPTED)


def repair_run() -> int:
    return repair.follow_up_again(repair.steps_missing_follow_up(clock.now()))


def test_the_repair_looks_back_as_far_as_a_text_is_news() -> None:
    assert repair.WINDOW == NEWS_WITHIN


@pytest.mark.parametrize(("late", "news"), [(NEWS_WITHIN - timedelta(minutes=1), True),
                                            (NEWS_WITHIN + timedelta(minutes=1), False)])
def test_the_repair_and_the_retry_stop_sending_at_the_same_moment(
        traveller: Any, cast: Cast, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch,
        late: timedelta, news: bool) -> None:
    lost = register(cast, "13812345678")
    left_queued = register_then_die(cast, "13912345678", django_capture_on_commit_callbacks, monkeypatch)
    traveller.shift(late)  # the workers and the beat were down all that time

    assert bool(repair_run()) == news
    assert retry.retry_due()["sent" if news else "given_up"] == 1

    assert [m.to for m in MemoryNotifier.sent] == (["13812345678", "13912345678"] if news else [])
    assert Notification.objects.filter(ticket=lost).exists() == news
    left_queued.refresh_from_db()
    assert left_queued.status == (DeliveryStatus.SENT if news else DeliveryStatus.FAILED)
