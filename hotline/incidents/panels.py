"""The order-page panel 突发事件: the incidents an order is counted for, for centre staff (one query)."""

from __future__ import annotations

from django.http import HttpRequest

from hotline.incidents.permissions import may_read
from hotline.incidents.selectors import links_of
from hotline.tickets import panels
from hotline.tickets.models import Ticket


@panels.register
def incident_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """The incidents this order is linked to, with a link to each incident's page (nothing when none)."""
    if not may_read(request.user):
        return None
    links = links_of(ticket)
    if not links:
        return None
    return panels.Panel("incidents/_order_panel.html", {"links": links}, order=55)
