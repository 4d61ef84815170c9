"""Receivers of the work-order signals."""

from __future__ import annotations

import logging
from typing import Any

from hotline.notifications.services import notify_event

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, event_id: int, action: str, from_status: str = "",
                      to_status: str = "", **kwargs: Any) -> None:
    """A lifecycle step committed: notify the caller of its milestones; errors are logged, never raised."""
    try:
        notify_event(ticket_id=ticket_id, event_id=event_id, action=action, from_status=from_status,
                     to_status=to_status)
    except Exception:  # the signal is sent from on_commit: an error here would reach the request
        logger.exception("notifications for ticket %s event %s failed", ticket_id, event_id)
