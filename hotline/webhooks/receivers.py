"""Receivers of the work-order signals: queue the committed step for the webhooks that want it."""

from __future__ import annotations

import logging
from typing import Any

from hotline.tickets.signals import guarded
from hotline.webhooks.services import enqueue_event

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, event_id: int, **kwargs: Any) -> None:
    """A lifecycle step committed: queue it (errors are logged, never raised into the request; the step is
    followed up again)."""
    with guarded(logger, "queueing webhooks for event %s failed", event_id):
        enqueue_event(event_id)
