"""Recording the reply-quality findings a return visit reveals (答复质检)."""

from __future__ import annotations

from django.db import transaction

from hotline.core import clock
from hotline.replyqa.models import DisputedContact
from hotline.tickets.choices import Action, VisitMethod
from hotline.tickets.models import Reply, ReturnVisit, TimelineEvent
from hotline.tickets.models.records import claimed_replies


def claimed_reply(visit: ReturnVisit) -> Reply | None:
    """The reply whose 已联系群众 the visit is compared with: the lead's latest approved reply made by the visit
    (as `tickets.models.records.claimed_contact` picks it)."""
    return claimed_replies(visit.ticket_id, visit.created_at).select_related("assignment").first()


def visit_of(event: TimelineEvent) -> ReturnVisit | None:
    """The return visit a 回访 step recorded: the citizen reached at the step's moment (the step writes both)."""
    return (ReturnVisit.objects.filter(ticket_id=event.ticket_id, created_at=event.at, contacted=True)
            .exclude(method=VisitMethod.VERIFY).order_by("-id").first())


@transaction.atomic
def record_disputed_contact(event_id: int) -> DisputedContact | None:
    """Record 答复称已联系群众，回访时群众表示未被联系 for the visit of a committed 回访 step, attributed to the unit
    whose reply claimed the contact. Idempotent: a visit has at most one record, a step delivered again adds
    nothing. None when the step is no such visit (not reached, no answer, the reply said 未联系, …)."""
    event = TimelineEvent.objects.filter(pk=event_id, action=Action.RETURN_VISIT).first()
    if event is None or not event.data.get("contact_disputed"):
        return None
    visit = visit_of(event)
    if visit is None or not visit.contact_disputed:
        return None
    reply = claimed_reply(visit)
    if reply is None or not reply.contacted:
        return None
    dispute, _ = DisputedContact.objects.get_or_create(
        visit=visit, defaults={"ticket_id": visit.ticket_id, "reply": reply, "unit_id": reply.assignment.unit_id,
                               "visited_at": visit.created_at, "recorded_at": clock.now()})
    return dispute
