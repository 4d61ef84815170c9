"""Order-page panels of the knowledge base.

* 知识库答复 — for the centre staff who may answer directly, on an enquiry (咨询) still at the centre:
  the articles that match the order, each public one with a 以此答复 button (POST to `kb:answer`, which
  calls the real 直接答复 service); an internal guide (内部口径) is shown to read, without the button.
* 往期类似答复 — for the lead unit's own staff while the order is being handled (办理中): the three
  past department replies whose requests read most like this one.
"""

from __future__ import annotations

from django.http import HttpRequest

from hotline.kb import selectors
from hotline.kb.constants import SUGGEST_LIMIT
from hotline.kb.services import ANSWERABLE, may_answer_with
from hotline.taxonomy.choices import RequestType
from hotline.tickets import panels
from hotline.tickets.choices import Action, AssignmentRole, AssignmentStatus, Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.transitions import TRANSITIONS


@panels.register
def kb_answer_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """知识库答复: matching articles and one-click 以此答复, for an enquiry the centre may still answer."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.role in TRANSITIONS[Action.ANSWER_DIRECTLY].roles):
        return None
    if ticket.request_type != RequestType.CONSULT or ticket.status not in ANSWERABLE:
        return None
    hits = selectors.search(f"{ticket.title} {ticket.description}", limit=SUGGEST_LIMIT)
    rows = [(hit, may_answer_with(hit.article)) for hit in hits]
    return panels.Panel("kb/panel_answer.html", {"ticket": ticket, "rows": rows}, order=15)


def is_lead_handler(user: object, ticket: Ticket) -> bool:
    """True for unit staff who belong to the unit holding the order's active lead (主办) assignment."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_unit_staff):
        return False
    return Assignment.objects.filter(ticket=ticket, role=AssignmentRole.LEAD, status=AssignmentStatus.SIGNED,
                                     unit__memberships__user=user).exists()


@panels.register
def similar_replies_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """往期类似答复: how departments answered requests like this one, for the lead unit writing its reply."""
    if ticket.status != Status.IN_PROGRESS or not is_lead_handler(request.user, ticket):
        return None
    return panels.Panel("kb/panel_replies.html", {"replies": selectors.similar_replies(ticket)}, order=25)
