"""Signals sent after a lifecycle step has committed (side effects: notifications, webhooks, …).

Receivers get ids, never live objects, and must be idempotent: re-fetch what they need and do
nothing if the work is already done (architecture habit 8).

Where the receivers run is decided in one place: `step_committed` hands each committed step to the
current *deliverer*. By default (the embedded profile) that is `send_step`, which runs every receiver
right away in the process that made the change. With a broker, `hotline.tasks.wiring` installs a
deliverer that queues the step for a worker, which then calls `send_step` there — so a request that
registers an order only writes the order and its timeline, and triage, the dispatch recommendation,
rollups, notifications and webhooks follow in the background.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

#: Sent on commit of every lifecycle step: kwargs ticket_id, event_id, action, from_status, to_status.
ticket_changed = Signal()

#: One committed step as the receivers get it (ids and statuses only: JSON-safe, queueable).
StepPayload = dict[str, Any]
Deliverer = Callable[[StepPayload], None]

_deliverer: Deliverer | None = None


def send_step(payload: StepPayload) -> None:
    """Run every receiver of `ticket_changed` for one committed step, here and now, then leave its receipt.

    A receiver that raises leaves no receipt: the step is retried by its task, else found by the repair.
    """
    from hotline.core import clock
    from hotline.tickets.models import FollowUpReceipt, Ticket

    ticket_changed.send(sender=Ticket, **payload)
    FollowUpReceipt.objects.bulk_create([FollowUpReceipt(event_id=payload["event_id"], done_at=clock.now())],
                                        ignore_conflicts=True)


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
