"""Signals sent after a lifecycle step has committed (side effects: notifications, webhooks, …).

Receivers get ids, never live objects, and must be idempotent: re-fetch what they need and do
nothing if the work is already done (architecture habit 8).

Where the receivers run is decided in one place: `step_committed` hands each committed step to the
current *deliverer*. By default (the embedded profile) that is `send_step`, which runs every receiver
right away in the process that made the change. With a broker, `hotline.tasks.wiring` installs a
deliverer that queues the step for a worker, which then calls `send_step` there — so a request that
registers an order only writes the order and its timeline, and triage, the dispatch recommendation,
rollups, notifications and webhooks follow in the background.

A receiver never raises into the code that made the change (inline, that is the request): it does its
work inside `guarded(...)`, which logs an error as before *and* marks the step being delivered as failed.
`send_step` then leaves no receipt, so `hotline.tasks.repair` delivers the step again (every 5 minutes,
from 10 minutes to 2 days after it committed; the receivers are idempotent, so what did run is not done
twice). In a worker, a step that failed for a dropped or restarted database (`OperationalError`,
`InterfaceError`) also fails its `after_steps` message, which Celery tries again within a minute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import InterfaceError, OperationalError
from django.dispatch import Signal

#: Sent on commit of every lifecycle step: kwargs ticket_id, event_id, action, from_status, to_status.
ticket_changed = Signal()

#: One committed step as the receivers get it (ids and statuses only: JSON-safe, queueable).
StepPayload = dict[str, Any]
Deliverer = Callable[[StepPayload], None]

#: Errors a worker's follow-up is tried again for (the database went away for a moment), as `tasks.TRANSIENT`.
TRANSIENT = (OperationalError, InterfaceError)
#: The task whose messages carry committed steps to a worker (`hotline.tasks.tasks.after_steps`).
FOLLOW_UP_TASK = "hotline.tasks.after_steps"

_deliverer: Deliverer | None = None
#: The errors the receivers of the step being delivered here have caught so far (None: no delivery running).
_failures: ContextVar[list[Exception] | None] = ContextVar("hotline_follow_up_failures", default=None)


@contextmanager
def guarded(logger: logging.Logger, message: str, *args: object) -> Iterator[None]:
    """Run a receiver's work: an error is logged (`message % args`, with its traceback), never raised, and the
    step being delivered is marked as failed, so it leaves no receipt and is followed up again later."""
    try:
        yield
    except Exception as exc:  # the step has committed: its follow-up must not break the caller
        logger.exception(message, *args)
        failures = _failures.get()
        if failures is not None:
            failures.append(exc)


def send_step(payload: StepPayload) -> bool:
    """Run every receiver of `ticket_changed` for one committed step, here and now, then leave its receipt.

    Returns whether the receipt was left. A receiver that failed (see `guarded`) leaves none: the repair
    delivers the step again. In a worker's `after_steps` message, a database error among those failures is
    raised at the end, so Celery tries the message again (`RETRY` in hotline/tasks/tasks.py); anywhere else
    (inline in a request, the broker refusing the message, the repair) nothing is raised. A receiver that
    raises itself (not guarded) leaves no receipt either, and its error goes to the caller as before.
    """
    from hotline.core import clock
    from hotline.tickets.models import FollowUpReceipt, Ticket

    outermost = _failures.get() is None  # a receiver's own committed step is delivered inside this one
    failures: list[Exception] = []
    token = _failures.set(failures)
    try:
        ticket_changed.send(sender=Ticket, **payload)
    finally:
        _failures.reset(token)
    if failures:
        transient = next((exc for exc in failures if isinstance(exc, TRANSIENT)), None)
        if transient is not None and outermost and _in_queued_follow_up():
            raise transient
        return False
    FollowUpReceipt.objects.bulk_create([FollowUpReceipt(event_id=payload["event_id"], done_at=clock.now())],
                                        ignore_conflicts=True)
    return True


def _in_queued_follow_up() -> bool:
    """Whether this runs in a worker's `after_steps` message, which Celery can try again (not eager, not called
    directly as the repair and `after_step` do)."""
    from celery import current_task

    if not current_task or current_task.name != FOLLOW_UP_TASK:  # a proxy: falsy outside any task
        return False
    request = current_task.request
    return not (request.is_eager or request.called_directly)


def step_committed(payload: StepPayload) -> None:
    """A step has committed: deliver it to the receivers (inline unless a deliverer is installed)."""
    (_deliverer or send_step)(payload)


def set_deliverer(deliverer: Deliverer | None) -> Deliverer | None:
    """Install how committed steps reach the receivers (None: inline); returns the previous one."""
    global _deliverer
    previous, _deliverer = _deliverer, deliverer
    return previous


def current_deliverer() -> Deliverer | None:
    """The installed deliverer (None when steps are delivered inline)."""
    return _deliverer
