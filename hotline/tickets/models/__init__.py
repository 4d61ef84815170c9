"""Work-order models. Change them only through `hotline.tickets.services`."""

from hotline.tickets.models.assignment import Assignment
from hotline.tickets.models.consultation import Consultation, Opinion
from hotline.tickets.models.records import (
    Appeal,
    Extension,
    Reply,
    ReturnRequest,
    ReturnVisit,
    Supervision,
    TerminationRequest,
    UnreasonableClaim,
)
from hotline.tickets.models.settings import ForwardSettings, ReturnSettings, VisitSettings
from hotline.tickets.models.ticket import Ticket, TicketQuerySet, raised_by_citizens
from hotline.tickets.models.timeline import FollowUpReceipt, TimelineEvent, TimelineIsAppendOnly

__all__ = [
    "Appeal",
    "Assignment",
    "Consultation",
    "Extension",
    "FollowUpReceipt",
    "Opinion",
    "Reply",
    "ReturnRequest",
    "ReturnVisit",
    "Supervision",
    "TerminationRequest",
    "Ticket",
    "TicketQuerySet",
    "TimelineEvent",
    "TimelineIsAppendOnly",
    "UnreasonableClaim",
    "ForwardSettings",
    "ReturnSettings",
    "VisitSettings",
    "raised_by_citizens",
]
