"""A failed follow-up is followed up again: a receiver that failed leaves no receipt, and the repair (or, in a
worker, Celery's retry of the message) delivers the step again (hotline/tickets/signals.py `guarded`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from celery.app.trace import build_tracer
from django.db import OperationalError

from hotline import celery_app
from hotline.core import clock
from hotline.notifications.models import Notification
from hotline.tasks import repair, tasks
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import FollowUpReceipt, Ticket
from hotline.tickets.signals import send_step
from hotline.tickets.tests.factories import make_ticket
from hotline.triage import services as triage
from hotline.triage.models import DuplicateKey, UrgencyAssessment

pytestmark = pytest.mark.django_db
ONE_RUN_AFTER_SETTLING = repair.SETTLE + timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _eager() -> Iterator[None]:
    """Tasks run inline whatever the environment says (as in test_tasks.py)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


class FlakyTriage:
    """`triage.services.on_registered` losing its database connection the first `times` calls."""

    def __init__(self, times: int) -> None:
        self.times, self.calls, self.real = times, 0, triage.on_registered

    def __call__(self, ticket_id: int) -> None:
        self.calls += 1
        if self.calls <= self.times:
            raise OperationalError("server closed the connection unexpectedly")
        self.real(ticket_id)


def registration(ticket: Ticket) -> dict:
    """The registration step of `ticket` as the receivers get it."""
    event = ticket.timeline.get(action=Action.REGISTER)
    return {"ticket_id": ticket.pk, "event_id": event.pk, "action": event.action,
            "from_status": event.from_status, "to_status": event.to_status}


def receipted(ticket: Ticket) -> set[str]:
    """The actions of `ticket`'s steps that left a follow-up receipt."""
    events = ticket.timeline.values_list("pk", "action")
    done = set(FollowUpReceipt.objects.filter(event_id__in=[pk for pk, _ in events]).values_list("event_id",
                                                                                                 flat=True))
    return {action for pk, action in events if pk in done}


def test_a_failed_triage_leaves_no_receipt_and_the_repair_triages_the_order(
        traveller, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
        caplog: pytest.LogCaptureFixture) -> None:
    """The database drops during triage: the registration still succeeds, the caller still gets the SMS,
    and ten minutes later the repair triages the order and leaves the receipt."""
    flaky = FlakyTriage(times=1)
    monkeypatch.setattr(triage, "on_registered", flaky)

    with caplog.at_level(logging.ERROR, logger="hotline.triage.receivers"), \
            django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.REGISTERED, caller_phone="13800001234")  # raises nothing

    assert flaky.calls == 1 and f"triage of ticket {ticket.pk} (register) failed" in caplog.text
    assert not UrgencyAssessment.objects.filter(ticket=ticket).exists()
    assert receipted(ticket) == set()
    assert Notification.objects.filter(ticket=ticket, template="accepted").count() == 1  # the others ran
    assert tasks.repair_follow_ups.delay().get() == 0  # too recent: left alone

    traveller.shift(ONE_RUN_AFTER_SETTLING)
    assert [m["action"] for m in repair.steps_missing_follow_up(clock.now())] == [Action.REGISTER]
    assert tasks.repair_follow_ups.delay().get() == 1

    assert flaky.calls == 2
    assert UrgencyAssessment.objects.filter(ticket=ticket).exists()
    assert DuplicateKey.objects.filter(ticket=ticket).exists()
    assert receipted(ticket) == {Action.REGISTER}
    assert Notification.objects.filter(ticket=ticket, template="accepted").count() == 1  # not sent twice
    assert tasks.repair_follow_ups.delay().get() == 0


def test_a_step_whose_receivers_all_succeed_leaves_its_receipt(django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.PENDING_DISPATCH, caller_phone="13800005678")
    assert receipted(ticket) == {Action.REGISTER, Action.SEND_TO_DISPATCH}
    assert UrgencyAssessment.objects.filter(ticket=ticket).exists()
    assert send_step(registration(ticket)) is True  # delivered again: nothing to redo, the receipt stays


def test_a_step_that_keeps_failing_is_tried_once_a_run_until_its_window_ends(
        traveller, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
        caplog: pytest.LogCaptureFixture) -> None:
    """No flood: one error line per try and one warning per run; after two days it is left alone."""
    flaky = FlakyTriage(times=10**6)
    monkeypatch.setattr(triage, "on_registered", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.REGISTERED, caller_phone="13800001234")

    for _ in range(3):  # three runs of the repair, five minutes apart
        traveller.shift(ONE_RUN_AFTER_SETTLING if flaky.calls == 1 else timedelta(minutes=5))
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert tasks.repair_follow_ups.delay().get() == 1
        errors = [r for r in caplog.records if r.name == "hotline.triage.receivers"]
        still = [r for r in caplog.records if r.name == "hotline.tasks.repair" and "failed again" in r.getMessage()]
        assert len(errors) == 1 and len(still) == 1
        assert receipted(ticket) == set() and not UrgencyAssessment.objects.filter(ticket=ticket).exists()
    assert flaky.calls == 4
    assert Notification.objects.filter(ticket=ticket, template="accepted").count() == 1

    traveller.shift(repair.WINDOW)  # two days after it committed: no longer looked at
    assert tasks.repair_follow_ups.delay().get() == 0
    assert flaky.calls == 4


def run_in_worker(steps: list[dict], monkeypatch: pytest.MonkeyPatch) -> object:
    """Run `after_steps` as a worker runs a message from the queue (not eager, not called directly)."""
    import django.db

    # hotline/celery.py retires the connection around a worker's task: here it is the test's transaction
    monkeypatch.setattr(django.db, "close_old_connections", lambda: None)
    tracer = build_tracer(tasks.after_steps.name, tasks.after_steps, app=celery_app, eager=False,
                          store_errors=False)
    return tracer(str(uuid.uuid4()), (steps,), {}, {"delivery_info": {}}).info  # the retry runs eagerly here


def test_in_a_worker_a_database_error_fails_the_message_and_its_retry_triages_the_order(
        django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """In a worker a dropped connection is worth a retry of the message (seconds later), not a 10-minute wait."""
    from hotline.tickets.signals import set_deliverer

    previous = set_deliverer(lambda payload: None)  # queued for a worker: nothing runs in the request
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(Status.REGISTERED, caller_phone="13800001234")
    finally:
        set_deliverer(previous)
    flaky = FlakyTriage(times=1)
    monkeypatch.setattr(triage, "on_registered", flaky)

    run_in_worker([registration(ticket)], monkeypatch)

    assert flaky.calls == 2  # failed, then tried again by Celery (eagerly in this test)
    assert UrgencyAssessment.objects.filter(ticket=ticket).exists()
    assert receipted(ticket) == {Action.REGISTER}


def test_in_a_worker_other_errors_are_left_to_the_repair(
        django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """A bug is not a hiccup: the message succeeds, the step keeps no receipt, the repair tries it later."""
    from hotline.tickets.signals import set_deliverer

    previous = set_deliverer(lambda payload: None)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(Status.REGISTERED, caller_phone="13800001234")
    finally:
        set_deliverer(previous)

    def broken(ticket_id: int) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(triage, "on_registered", broken)
    run_in_worker([registration(ticket)], monkeypatch)
    assert receipted(ticket) == set()
    assert Notification.objects.filter(ticket=ticket, template="accepted").count() == 1
