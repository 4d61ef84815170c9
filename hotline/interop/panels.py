"""The transfers section of the order page (转办记录): what went to and came from partner platforms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.interop.models import ExternalReference, PartnerMessage
from hotline.tickets import panels

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hotline.tickets.models import Ticket


def transfer_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """Messages exchanged with partners about this order, with delivery state; centre staff only."""
    if not getattr(request.user, "is_centre_staff", False):
        return None
    messages = list(PartnerMessage.objects.filter(ticket=ticket).select_related("partner", "delivery")
                    .order_by("created_at", "id"))
    if not messages:
        return None
    references = list(ExternalReference.objects.filter(ticket=ticket).select_related("partner")
                      .order_by("created_at", "id"))
    return panels.Panel("interop/_order_panel.html", {"messages": messages, "references": references}, order=70)
