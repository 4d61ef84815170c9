"""Receivers of the work-order signals: keep the rollups current after every committed step."""

from __future__ import annotations

import logging
from typing import Any

from hotline.dashboards.services import refresh_ticket
from hotline.tickets.signals import guarded

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, **kwargs: Any) -> None:
    """A lifecycle step committed: count it (and any step whose signal was lost); errors are logged, never raised.

    A failure leaves the rollups one step behind for this order only until the step is followed up again
    (or the order's next step catches up); `hotline rollups-rebuild` repairs everything.
    """
    with guarded(logger, "rollups for ticket %s could not be updated", ticket_id):  # never reaches the request
        refresh_ticket(ticket_id)
