"""`signals.guarded`: a receiver's error is logged, never raised, and the step being delivered keeps no receipt."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError

from hotline.tickets.models import FollowUpReceipt
from hotline.tickets.signals import guarded, send_step, ticket_changed

pytestmark = pytest.mark.django_db
logger = logging.getLogger("hotline.tests.receiver")


def step(event_id: int, action: str = "test") -> dict[str, Any]:
    """A committed step's payload (no real order needed: the test's receivers are the only ones that act)."""
    return {"ticket_id": 0, "event_id": event_id, "action": action, "from_status": "", "to_status": ""}


@contextmanager
def receiving(receiver: Callable[..., None]) -> Iterator[None]:
    """Connect `receiver` to `ticket_changed` for the block (the apps' own receivers ignore these ids)."""
    ticket_changed.connect(receiver, dispatch_uid="hotline.tests.guarded")
    try:
        yield
    finally:
        ticket_changed.disconnect(dispatch_uid="hotline.tests.guarded")


def failing(sender: Any, *, event_id: int, **kwargs: Any) -> None:
    with guarded(logger, "test receiver for event %s failed", event_id):
        raise OperationalError("the connection dropped")


def test_a_guarded_failure_is_logged_and_leaves_no_receipt(caplog: pytest.LogCaptureFixture) -> None:
    with receiving(failing), caplog.at_level(logging.ERROR, logger=logger.name):
        assert send_step(step(10**9)) is False  # raises nothing
    assert [r.getMessage() for r in caplog.records if r.name == logger.name] == [
        f"test receiver for event {10**9} failed"]
    assert caplog.records[-1].exc_info is not None  # with its traceback, as before
    assert not FollowUpReceipt.objects.filter(event_id=10**9).exists()


def test_a_step_without_failures_leaves_its_receipt() -> None:
    def fine(sender: Any, *, event_id: int, **kwargs: Any) -> None:
        with guarded(logger, "never logged"):
            pass

    with receiving(fine):
        assert send_step(step(10**9 + 1)) is True
    assert FollowUpReceipt.objects.filter(event_id=10**9 + 1).exists()


def test_guarded_outside_a_delivery_only_logs(caplog: pytest.LogCaptureFixture) -> None:
    """A receiver called directly (a test, a shell) behaves as before: logged, not raised."""
    with caplog.at_level(logging.ERROR, logger=logger.name):
        failing(None, event_id=7)
    assert "test receiver for event 7 failed" in caplog.text


def test_a_step_delivered_inside_another_keeps_its_own_outcome() -> None:
    """Inline, a receiver's own committed step (auto-dispatch) is delivered inside the first one: each step's
    failures are its own."""
    outer, inner = 10**9 + 2, 10**9 + 3

    def nesting(sender: Any, *, event_id: int, action: str, **kwargs: Any) -> None:
        if action == "outer":
            with guarded(logger, "outer"):
                send_step(step(inner, "inner"))
        else:
            with guarded(logger, "inner failed"):
                raise OperationalError("dropped")

    with receiving(nesting):
        assert send_step(step(outer, "outer")) is True
    assert set(FollowUpReceipt.objects.filter(event_id__in=[outer, inner]).values_list("event_id", flat=True)) == {
        outer}


def test_in_the_repair_or_inline_a_database_error_is_not_raised() -> None:
    """Outside a worker's queued message (eager, called directly) nothing is raised, whatever failed."""
    from hotline.tasks.tasks import after_steps

    with receiving(failing):
        assert after_steps([step(10**9 + 4)]) == 1
    assert not FollowUpReceipt.objects.filter(event_id=10**9 + 4).exists()
