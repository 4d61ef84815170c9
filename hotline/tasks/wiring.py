"""Where the tasks plug into the rest: with a broker, the caller's milestone messages go through a worker.

In the embedded profile (no Redis, tasks eager) nothing changes: the notifications app's own receiver
sends the messages after the step commits. With a broker, that receiver is replaced by one that only
enqueues `notify_step` with the step's ids (still after commit, so the worker sees the committed step).
"""

from __future__ import annotations

import logging
from typing import Any

from hotline.celery import app

logger = logging.getLogger(__name__)

NOTIFICATIONS_UID = "hotline.notifications.on_ticket_changed"
ENQUEUE_UID = "hotline.tasks.enqueue_notifications"


def asynchronous() -> bool:
    """Whether tasks go to a broker (and a worker) rather than running inline."""
    return not app.conf.task_always_eager


def enqueue_notifications(sender: Any, *, ticket_id: int, event_id: int, action: str, from_status: str = "",
                          to_status: str = "", **kwargs: Any) -> None:
    """A step committed: queue its milestone messages (never raises into the request)."""
    from hotline.notifications.services import milestones
    from hotline.tasks.tasks import notify_step

    if not milestones(action, from_status, to_status):
        return  # most steps send nothing: do not fill the queue with no-ops
    try:
        notify_step.delay(ticket_id, event_id, action, from_status, to_status)
    except Exception:  # the broker is down: log it; the step itself has committed
        logger.exception("could not queue notifications for ticket %s event %s", ticket_id, event_id)


def connect(force: bool = False) -> bool:
    """Swap the notifications receiver for the enqueuing one when tasks are asynchronous; True if swapped."""
    from hotline.tickets.signals import ticket_changed

    if not (force or asynchronous()):
        return False
    ticket_changed.disconnect(dispatch_uid=NOTIFICATIONS_UID)
    ticket_changed.connect(enqueue_notifications, dispatch_uid=ENQUEUE_UID)
    return True


def disconnect() -> None:
    """Put the inline receiver back (tests)."""
    from hotline.notifications.receivers import on_ticket_changed
    from hotline.tickets.signals import ticket_changed

    ticket_changed.disconnect(dispatch_uid=ENQUEUE_UID)
    ticket_changed.connect(on_ticket_changed, dispatch_uid=NOTIFICATIONS_UID)
