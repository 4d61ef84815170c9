"""Where the tasks plug into the rest: with a broker, committed steps are followed up by a worker.

In the embedded profile (no Redis, tasks eager) nothing changes: every receiver of `ticket_changed`
(triage, the dispatch recommendation, rollups, the call link, notifications, webhooks, partners, the
knowledge base, second visits) runs right after the step commits, in the process that made it.

With a broker, `connect()` installs a deliverer (`hotline.tickets.signals.set_deliverer`) that only
queues `after_step` with the step's ids; a worker runs the same receivers there. A request that
registers an order then writes the order, its timeline and its deadlines, and answers; the rest
follows within moments. If the broker cannot take the message, the receivers run inline instead,
so a committed step is never left without its follow-up.
"""

from __future__ import annotations

import logging

from hotline.celery import app
from hotline.tickets.signals import StepPayload, send_step, set_deliverer

logger = logging.getLogger(__name__)


def asynchronous() -> bool:
    """Whether tasks go to a broker (and a worker) rather than running inline."""
    return not app.conf.task_always_eager


def enqueue_step(payload: StepPayload) -> None:
    """A step committed: queue its follow-up for a worker (inline if the broker refuses; never raises)."""
    from hotline.tasks.tasks import after_step

    try:
        after_step.delay(**payload)
    except Exception:  # the broker is down: do the work here rather than lose it
        logger.exception("could not queue the follow-up of ticket %s event %s; running it inline",
                         payload.get("ticket_id"), payload.get("event_id"))
        send_step(payload)


def connect(force: bool = False) -> bool:
    """Queue committed steps for a worker when tasks are asynchronous (or `force`); True if installed."""
    if not (force or asynchronous()):
        return False
    set_deliverer(enqueue_step)
    return True


def disconnect() -> None:
    """Deliver committed steps inline again (tests)."""
    set_deliverer(None)
