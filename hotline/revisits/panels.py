"""The order-page panel 二次回访: the second visits of this order and their outcome."""

from __future__ import annotations

from django.http import HttpRequest

from hotline.core.privacy import text_for
from hotline.tickets import panels
from hotline.tickets.models import Ticket
from hotline.tickets.transitions import VISIT, may_reopen


def second_visit_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """Shown to anyone who may see the order, when it has (or had) a second visit; centre visit staff may record.

    Each attempt's note (the centre's record of the citizen's words) is read as this person may (`text_for`:
    numbers masked for units), set as `note_shown`.
    """
    visits = list(ticket.second_visits.select_related("rule", "finished_by").prefetch_related("attempt_log__by"))
    if not visits:
        return None
    user = request.user
    for visit in visits:
        visit.attempts_shown = list(visit.attempt_log.all())
        for attempt in visit.attempts_shown:
            attempt.note_shown = text_for(attempt.note, ticket, user)
    can_record = bool(user.is_authenticated and user.is_active and user.role in VISIT)
    return panels.Panel("revisits/panel.html", {"visits": visits, "can_record": can_record,
                                                 "next": request.get_full_path(), "may_reopen": may_reopen(user)},
                        order=60)
