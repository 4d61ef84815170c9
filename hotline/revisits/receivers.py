"""Receiver of the work-order signal: closing schedules a second visit, reopening cancels a pending one."""

from __future__ import annotations

import logging
from typing import Any

from hotline.revisits import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.signals import guarded

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, event_id: int, action: str, from_status: str = "",
                      to_status: str = "", **kwargs: Any) -> None:
    """A lifecycle step committed; errors are logged, never raised (we run from on_commit), and the step is
    followed up again."""
    with guarded(logger, "second visit for ticket %s event %s failed", ticket_id, event_id):
        if to_status == Status.CLOSED and from_status != Status.CLOSED:
            services.schedule(ticket_id, event_id)
        elif action == Action.REOPEN:
            services.cancel_pending(ticket_id, event_id)
