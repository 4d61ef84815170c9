"""The JSON an event carries. Confidential (保密) orders carry only their number and status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from hotline.core.privacy import scrub_public_text
from hotline.tickets.choices import Action
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.public_text import outbound_note

#: What a return visit's payload tells besides its action: a 现场核查 (`verified`, `resolved`) or the
#: unanswered call that closed an unreachable order (`unreachable`, `attempt`); never the conversation.
_VISIT_FLAGS = ("verified", "resolved", "contacted", "satisfaction", "unreachable", "attempt")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the centre's time zone."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def event_id(event: TimelineEvent) -> str:
    """The stable id of a lifecycle event, the same for every subscription and replay."""
    return f"evt_{event.pk}"


def order_summary(ticket: Ticket) -> dict[str, Any]:
    """What an event says about the order; nothing about the caller, ever."""
    if ticket.is_confidential:
        return {"number": ticket.number, "status": ticket.status, "confidential": True}
    lead = ticket.lead_assignment
    return {
        "number": ticket.number, "status": ticket.status, "status_label": str(ticket.get_status_display()),
        "version": ticket.version, "confidential": False,
        "title": scrub_public_text(ticket.title, order=ticket),  # often the description's opening words
        "request_type": ticket.request_type, "channel": ticket.channel, "urgency": ticket.urgency,
        "category": ticket.category.full_name if ticket.category_id else "",
        "lead_unit": lead.unit.name if lead else "", "close_due": iso(ticket.close_due),
        "registered_at": iso(ticket.registered_at),
    }


def payload(event: TimelineEvent, event_type: str) -> dict[str, Any]:
    """The body of one lifecycle event."""
    ticket = event.ticket
    body: dict[str, Any] = {"id": event_id(event), "type": event_type, "occurred_at": iso(event.at),
                            "order": order_summary(ticket)}
    if not ticket.is_confidential:
        body["step"] = {"action": event.action, "from_status": event.from_status, "to_status": event.to_status,
                        "seq": event.seq, "unit": event.unit.name if event.unit_id else "",
                        "note": outbound_note(event), "label": str(event.label)}
        if event.action == Action.RETURN_VISIT:  # a 现场核查, or the call that closed an unreachable order
            body["step"].update({k: event.data[k] for k in _VISIT_FLAGS if k in (event.data or {})})
        if event.action == Action.CHASE:  # 群众催办: how the citizen chased (phone, portal), never the agent's note
            body["step"]["channel"] = (event.data or {}).get("channel", "")
    return body
