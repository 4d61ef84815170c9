"""Receivers of the work-order signals: an order registered during a call is linked to it."""

from __future__ import annotations

import logging
from typing import Any

from hotline.tickets.choices import Action
from hotline.tickets.signals import guarded

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, event_id: int, action: str, **kwargs: Any) -> None:
    """After a registration: link the order to the agent's call (and claimed callback); never raises (sent from
    on_commit: an error here would reach the agent's request), a failure is followed up again."""
    if action != Action.REGISTER:
        return
    with guarded(logger, "linking order %s to its call failed", ticket_id):
        from hotline.calls.services import link_registered_order

        link_registered_order(ticket_id=ticket_id, event_id=event_id)
