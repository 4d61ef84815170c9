"""Receivers of the work-order signals: keep the rollups current after every committed step."""

from __future__ import annotations

import logging
from typing import Any

from hotline.dashboards.services import refresh_ticket

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, **kwargs: Any) -> None:
    """A lifecycle step committed: count it (and any step whose signal was lost); errors are logged, never raised.

    A failure leaves the rollups one step behind for this order only: the next step of the order catches
    up, and `hotline rollups-rebuild` repairs everything.
    """
    try:
        refresh_ticket(ticket_id)
    except Exception:  # sent from on_commit: an error here would reach the request that made the change
        logger.exception("rollups for ticket %s could not be updated", ticket_id)
