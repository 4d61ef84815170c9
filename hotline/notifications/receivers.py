"""Receivers of the work-order signals."""

from __future__ import annotations

import logging
from typing import Any

from hotline.notifications.services import notify_event
from hotline.notifications.unit_alerts import alert_units_for_event
from hotline.tickets.signals import guarded

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, event_id: int, action: str, from_status: str = "",
                      to_status: str = "", **kwargs: Any) -> None:
    """A lifecycle step committed: notify the caller of its milestones and alert the units it concerns
    (承办单位提醒); errors are logged, never raised (the signal is sent from on_commit: an error here would reach
    the request), and the step is followed up again. Each part is guarded alone: one failing does not stop
    the other."""
    with guarded(logger, "notifications for ticket %s event %s failed", ticket_id, event_id):
        notify_event(ticket_id=ticket_id, event_id=event_id, action=action, from_status=from_status,
                     to_status=to_status)
    with guarded(logger, "unit alerts for ticket %s event %s failed", ticket_id, event_id):
        alert_units_for_event(ticket_id=ticket_id, event_id=event_id, action=action)
