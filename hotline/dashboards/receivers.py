"""Receivers of the work-order signals: keep the rollups current after every committed step."""

from __future__ import annotations

import logging
from typing import Any

from hotline.dashboards.services import RECOUNT_INLINE, recount_moved, refresh_ticket
from hotline.tickets.signals import guarded

logger = logging.getLogger(__name__)


def on_ticket_changed(sender: Any, *, ticket_id: int, **kwargs: Any) -> None:
    """A lifecycle step committed: count it (and any step whose signal was lost); errors are logged, never raised.

    A failure leaves the rollups one step behind for this order only until the step is followed up again
    (or the order's next step catches up); `hotline rollups-rebuild` repairs everything.
    """
    with guarded(logger, "rollups for ticket %s could not be updated", ticket_id):  # never reaches the request
        refresh_ticket(ticket_id)


def on_category_moved(sender: Any, *, category_id: int, **kwargs: Any) -> None:
    """A category moved to another parent (committed): the counts of its branch's orders follow it to its new
    level-1 category, as the KPI page (which reads the orders) shows them at once.

    At most `RECOUNT_INLINE` orders here, after the admin's commit; a bigger branch is logged with what is
    left, for `hotline rollups-rebuild --moved`. Errors are logged, never raised (the move is saved).
    """
    try:
        result = recount_moved([category_id], limit=RECOUNT_INLINE)
    except Exception:  # the category is saved: its follow-up must not break the admin's page
        logger.exception("rollups: the orders of moved category %s could not be re-counted", category_id)
        return
    if result.left:
        logger.warning("rollups: category %s moved; %d orders re-counted, %d left for "
                       "`hotline rollups-rebuild --moved`", category_id, result.orders, result.left)
