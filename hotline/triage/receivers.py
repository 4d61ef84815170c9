"""After a registration commits: urgency, duplicate index, repeats and alerts (errors logged, never raised)."""

from __future__ import annotations

import logging
from typing import Any

from hotline.tickets.choices import Action
from hotline.tickets.services.correction import DUPLICATE_INPUTS, corrected_any
from hotline.tickets.signals import guarded
from hotline.triage import services

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, action: str, event_id: int = 0, **kwargs: Any) -> None:
    """A lifecycle step committed: a registration is triaged; a corrected category, place or title re-indexes the
    order for the duplicate lookups of later calls (工单更正)."""
    with guarded(logger, "triage of ticket %s (%s) failed", ticket_id, action):
        if action == Action.REGISTER:
            services.on_registered(ticket_id)
        elif action == Action.CORRECT and corrected_any(event_id, DUPLICATE_INPUTS):
            services.reindex(ticket_id)
