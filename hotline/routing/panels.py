"""The order-page panel 派单推荐: the top 3 units with confidence and reason, one click to dispatch.

The stored recommendation is shown while it still says what the catalogue says (`services.is_stale`);
otherwise it is made again for the page. While a consultation (会商) is open, dispatch waits for its
conclusion: each unit then opens a short 会商定责 form (that unit as lead, its recommended assisting units,
the reasons to write) instead.
"""

from __future__ import annotations

from django.http import HttpRequest

from hotline.tickets import panels
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.permissions import available_actions

#: Statuses in which a recommendation still helps someone decide.
SHOWN_IN = frozenset({Status.REGISTERED, Status.PENDING_DISPATCH, Status.RETURNED})


def recommendation_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """Shown to centre staff while the order waits for a unit; dispatchers get a 派给此单位 button per unit."""
    from hotline.routing import services

    user = request.user
    if not (user.is_authenticated and user.is_centre_staff) or ticket.status not in SHOWN_IN:
        return None
    if ticket.is_confidential:
        return None  # confidential orders never leave the centre: nothing to recommend
    rec = services.latest(ticket)
    if rec is None or ticket.status == Status.RETURNED or services.is_stale(rec, ticket):
        # made again when the catalogue (or the order's category or place, or a unit it offers) changed since:
        # never 派给此单位 buttons for a lead the catalogue no longer names. Not stored: the page only reads.
        rec = services.build(ticket, trigger="page")
    actions = available_actions(ticket, user)
    # While a consultation (会商) is open 派单 waits: its conclusion (会商定责, offered only then) dispatches.
    concluding = Action.CONCLUDE_CONSULTATION in actions
    act = Action.CONCLUDE_CONSULTATION if concluding else next(
        (a for a in (Action.DISPATCH, Action.ACCEPT_RETURN) if a in actions), "")
    returned = set(ticket.returns.values_list("assignment__unit_id", flat=True))
    return panels.Panel("triage/_dispatch_panel.html", {
        "rec": rec, "ticket": ticket, "act": act, "concluding": concluding, "returned": returned,
        "settings": services.DispatchSettings.current(),
    }, order=20)
