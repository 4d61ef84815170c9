"""After a step commits: recommend a unit at registration, auto-dispatch when sent to dispatch."""

from __future__ import annotations

import logging
from typing import Any

from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.services.correction import BEFORE_DISPATCH, ROUTING_INPUTS, corrected_any
from hotline.tickets.signals import guarded

logger = logging.getLogger(__name__)


_AREA_AND_CATEGORY = ("category", "community", "street", "district")
#: What a recommendation reads of a new order (not all of its ~50 columns).
_RECOMMENDATION_READS = ("title", "description", "registered_at", "status", *_AREA_AND_CATEGORY)


def on_ticket_changed(sender: Any, *, ticket_id: int, action: str, to_status: str = "", event_id: int = 0,
                      **kwargs: Any) -> None:
    """Registration → a recommendation; 转派单 → auto-dispatch if allowed; a return accepted or the category or
    place or title corrected before dispatch → a new one."""
    from hotline.routing import services

    with guarded(logger, "dispatch recommendation for ticket %s (%s) failed", ticket_id, action):
        if action == Action.REGISTER:
            ticket = Ticket.objects.select_related(*_AREA_AND_CATEGORY).only(*_RECOMMENDATION_READS).filter(
                pk=ticket_id).first()
            if ticket is not None and not ticket.dispatch_recommendations.exists():
                services.recommend(ticket, trigger="register", at=ticket.registered_at)
        elif action == Action.SEND_TO_DISPATCH:
            services.auto_dispatch(ticket_id)
        elif action == Action.CORRECT and to_status in BEFORE_DISPATCH and corrected_any(event_id, ROUTING_INPUTS):
            ticket = Ticket.objects.filter(pk=ticket_id, status__in=BEFORE_DISPATCH).first()
            if ticket is not None:  # the desk sees units for the corrected category and place (工单更正)
                services.recommend(ticket, trigger="correct")
        elif action == Action.ACCEPT_RETURN and to_status == Status.PENDING_DISPATCH:
            ticket = Ticket.objects.filter(pk=ticket_id, status=Status.PENDING_DISPATCH).first()
            if ticket is not None:
                services.recommend(ticket, trigger="return")
