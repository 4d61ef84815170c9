"""The calls section of the order page: the calls during which the order was registered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.calls.callbacks import CALLBACK_ROLES
from hotline.calls.views import caller_for
from hotline.tickets import panels

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hotline.tickets.models import Ticket


def calls_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """Calls linked to the order and callbacks it came from; centre staff only."""
    user = request.user
    if not getattr(user, "is_centre_staff", False):
        return None
    calls = list(ticket.calls.select_related("agent__user").order_by("offered_at"))
    callbacks = list(ticket.callbacks.all())
    if not calls and not callbacks:
        return None
    rows = [{"call": c, "caller": caller_for(c.caller, user)} for c in calls]
    return panels.Panel("calls/_order_panel.html", {"call_rows": rows, "callbacks": callbacks,
                                                    "callback_links": user.role in CALLBACK_ROLES}, order=60)
