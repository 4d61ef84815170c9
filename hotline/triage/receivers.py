"""After a registration commits: urgency, duplicate index, repeats and alerts (errors logged, never raised)."""

from __future__ import annotations

import logging
from typing import Any

from hotline.tickets.choices import Action
from hotline.triage import services

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, action: str, **kwargs: Any) -> None:
    """A lifecycle step committed; only registrations concern triage."""
    if action != Action.REGISTER:
        return
    try:
        services.on_registered(ticket_id)
    except Exception:
        logger.exception("triage of ticket %s failed", ticket_id)
