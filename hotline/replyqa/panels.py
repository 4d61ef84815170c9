"""The order-page panel 答复质检: the findings on the lead unit's reply (`selectors.latest_reply`), with the
disputed contacts the return visits recorded (`disputes`), shown to centre staff only."""

from __future__ import annotations

from django.http import HttpRequest

from hotline.replyqa import disputes, selectors
from hotline.replyqa.labels import grade_label, rows
from hotline.tickets import panels
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket

#: Statuses in which a reply exists and the findings still matter to the centre.
SHOWN_IN = frozenset({Status.REPLIED, Status.AWAITING_VISIT, Status.CLOSED})


@panels.register
def reply_quality_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """答复质检 findings for the reviewer; units and citizens never see them; it never blocks approval."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_centre_staff) or ticket.status not in SHOWN_IN:
        return None
    reply = selectors.latest_reply(ticket)
    if reply is None:
        return None
    review = selectors.review_of(ticket, reply)
    recorded = selectors.disputes_of(ticket)
    disputes.with_findings(review.findings, [disputes.finding(d) for d in recorded if d.reply_id == reply.pk])
    earlier = [disputes.finding(d) for d in recorded if d.reply_id != reply.pk]  # replies of an earlier round
    return panels.Panel("replyqa/panel.html", {"review": review, "rows": rows(review.findings.findings),
                                                  "earlier": rows(earlier),
                                                  "grade": grade_label(review.findings.grade),
                                                  "pending": ticket.status == Status.REPLIED,
                                                  "similar": selectors.similar_replies(ticket, user)},
                        order=20)
