"""The order-page panel 坐席质检: the order's intake inspection, for those who may read it (one query)."""

from __future__ import annotations

from django.http import HttpRequest

from hotline.inspection.selectors import visible_to
from hotline.tickets import panels
from hotline.tickets.models import Ticket


@panels.register
def inspection_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """The inspection of this order, if one exists and this person may read it (readers; the agent once scored)."""
    if not request.user.is_authenticated:
        return None
    inspection = visible_to(request.user).filter(ticket=ticket).first()
    if inspection is None:
        return None
    return panels.Panel("inspection/_order_panel.html", {"inspection": inspection}, order=60)
