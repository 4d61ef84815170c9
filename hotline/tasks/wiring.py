"""Where the tasks plug into the rest: with a broker, committed steps are followed up by a worker.

In the embedded profile (no Redis, tasks eager) nothing changes: every receiver of `ticket_changed`
(triage, the dispatch recommendation, rollups, the call link, notifications, webhooks, partners, the
knowledge base, second visits) runs right after the step commits, in the process that made it.

With a broker, `connect()` installs a deliverer (`hotline.tickets.signals.set_deliverer`) that only
queues the step's ids for a worker (`after_steps`), which runs the same receivers there. A request that
registers an order then writes the order, its timeline and its deadlines, and answers; the rest
follows within moments. Inside `steps_batched()` (every web request, see `FollowUpBatchMiddleware`)
the steps committed by the block leave together, as one message, when it ends: registering an order
and sending it to dispatch is one message, not two (a bulk action sends one per BATCH_MAX steps). If the broker cannot take the message, the
receivers run inline instead, so a committed step is never left without its follow-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from hotline.celery import app
from hotline.tickets.signals import StepPayload, send_step, set_deliverer

logger = logging.getLogger(__name__)

#: The steps committed so far inside the innermost `steps_batched()` block (None: outside any).
_batch: ContextVar[list[StepPayload] | None] = ContextVar("hotline_step_batch", default=None)
#: At most this many steps per message: a request that takes many steps (a bulk action) sends several,
#: and each task stays short (one order's follow-up takes tens of milliseconds).
BATCH_MAX = 20


def asynchronous() -> bool:
    """Whether tasks go to a broker (and a worker) rather than running inline."""
    return not app.conf.task_always_eager


def queue_steps(steps: list[StepPayload]) -> None:
    """Queue the follow-up of committed steps as one message (inline if the broker refuses; never raises)."""
    from hotline.tasks import publish
    from hotline.tasks.tasks import after_steps

    try:
        # A short description for the worker's log; Celery's own (a safe repr of every payload) costs
        # as much as the rest of the publishing.
        argsrepr = describe(steps)
        if not publish.publish(after_steps, [steps], argsrepr=argsrepr):  # the same message, cheaper (Redis)
            after_steps.apply_async(args=[steps], argsrepr=argsrepr, kwargsrepr="{}")
    except Exception:  # the broker is down: do the work here rather than lose it
        logger.exception("could not queue the follow-up of %d step(s) (first: ticket %s event %s); running inline",
                         len(steps), steps[0].get("ticket_id"), steps[0].get("event_id"))
        for payload in steps:
            send_step(payload)


def describe(steps: list[StepPayload]) -> str:
    """How a follow-up message is named in the worker's log, e.g. `[2 steps: ticket 42 register, send_to_dispatch]`."""
    tickets = [str(pk) for pk in sorted({int(step["ticket_id"]) for step in steps})]
    actions = list(dict.fromkeys(str(step.get("action")) for step in steps))
    return (f"[{len(steps)} step{'s' if len(steps) > 1 else ''}: ticket{'s' if len(tickets) > 1 else ''} "
            f"{', '.join(tickets[:5])}{' …' if len(tickets) > 5 else ''} {', '.join(actions[:5])}]")


def enqueue_step(payload: StepPayload) -> None:
    """A step committed: add it to the open batch, or queue it for a worker at once."""
    batch = _batch.get()
    if batch is None:
        queue_steps([payload])
        return
    batch.append(payload)
    if len(batch) >= BATCH_MAX:
        queue_steps(batch[:])
        batch.clear()


@contextmanager
def steps_batched() -> Iterator[None]:
    """Queue the steps committed inside the block as one message when it ends (even if it raises)."""
    token = _batch.set([])
    try:
        yield
    finally:
        steps = _batch.get() or []
        _batch.reset(token)
        if steps:
            queue_steps(steps)


class FollowUpBatchMiddleware:
    """With a broker, the follow-ups of every step a request commits leave in one message with its response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not asynchronous():
            return self.get_response(request)
        with steps_batched():
            return self.get_response(request)


def connect(force: bool = False) -> bool:
    """Queue committed steps for a worker when tasks are asynchronous (or `force`); True if installed."""
    if not (force or asynchronous()):
        return False
    set_deliverer(enqueue_step)
    return True


def disconnect() -> None:
    """Deliver committed steps inline again (tests)."""
    set_deliverer(None)
