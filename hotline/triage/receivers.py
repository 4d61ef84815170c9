"""After a registration commits: urgency, duplicate index, repeats and alerts (errors logged, never raised)."""

from __future__ import annotations

import logging
from typing import Any

from hotline.tickets.choices import Action
from hotline.tickets.services.correction import corrected_place_or_category
from hotline.triage import services

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, action: str, event_id: int = 0, **kwargs: Any) -> None:
    """A lifecycle step committed: a registration is triaged; a corrected category or place re-indexes the order
    for the duplicate lookups of later calls (工单更正)."""
    try:
        if action == Action.REGISTER:
            services.on_registered(ticket_id)
        elif action == Action.CORRECT and corrected_place_or_category(event_id):
            services.reindex(ticket_id)
    except Exception:
        logger.exception("triage of ticket %s (%s) failed", ticket_id, action)
