"""What the public tracking page may show of an order, and nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hotline.orgs.models import HandlingUnit
from hotline.portal.choices import public_action, public_status
from hotline.tickets.choices import Action, AssignmentRole, Decision
from hotline.tickets.models import Reply, Ticket, TimelineEvent
from hotline.tickets.public_text import citizen_text


@dataclass(frozen=True)
class PublicEvent:
    """One line of the public timeline: when, what, and the unit concerned (never a person)."""

    at: datetime
    label: str
    unit: str = ""
    text: str = ""


@dataclass
class PublicOrder:
    """An order as the tracking page shows it. Confidential orders carry only their number."""

    number: str
    confidential: bool
    status: str = ""
    request_type: str = ""
    title: str = ""
    description: str = ""
    registered_at: datetime | None = None
    events: list[PublicEvent] = field(default_factory=list)
    reply: str = ""


def public_reply(ticket: Ticket) -> str:
    """The lead unit's approved public reply (公开答复内容), the newest one; empty if none."""
    found = (Reply.objects.filter(ticket=ticket, assignment__role=AssignmentRole.LEAD,
                                  review_status=Decision.APPROVED)
             .exclude(public_reply="").order_by("-reviewed_at", "-id").values_list("public_reply", flat=True).first())
    return found or ""


def _event_text(event: TimelineEvent) -> str:
    """The public words of a step (tickets.public_text); the approved reply has its own box on the page."""
    if event.action == Action.APPROVE_REPLY:
        return ""
    return citizen_text(event.action, event.note, event.data)


def public_timeline(ticket: Ticket) -> list[PublicEvent]:
    """The order's public events (TimelineEvent.is_public) with the citizen's labels and unit names."""
    events = list(TimelineEvent.objects.public().filter(ticket=ticket).select_related("unit").order_by("seq"))
    leads = {e.data.get("lead") for e in events if e.action in (Action.DISPATCH, Action.DESIGNATE)
             and isinstance(e.data, dict)}
    names = dict(HandlingUnit.objects.filter(pk__in=[pk for pk in leads if pk]).values_list("pk", "name"))
    shown = []
    for event in events:
        event.ticket = ticket
        unit = event.unit.name if event.unit else names.get((event.data or {}).get("lead"), "")
        shown.append(PublicEvent(at=event.at, label=public_action(event.action), unit=unit,
                                 text=_event_text(event)))
    return shown


def public_order(ticket: Ticket) -> PublicOrder:
    """What the tracking page shows: for a confidential (保密) order only that it was accepted."""
    if ticket.is_confidential:
        return PublicOrder(number=ticket.number or "", confidential=True)
    return PublicOrder(
        number=ticket.number or "", confidential=False, status=public_status(ticket.status),
        request_type=ticket.get_request_type_display(), title=ticket.title, description=ticket.description,
        registered_at=ticket.registered_at, events=public_timeline(ticket), reply=public_reply(ticket),
    )
