"""What the public tracking page may show of an order, and nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hotline.core.privacy import scrub_public_text
from hotline.orgs.models import HandlingUnit
from hotline.portal.choices import public_action, public_status
from hotline.tickets.choices import (
    DISPATCH_ACTIONS,
    ONLINE_CHANNELS,
    Action,
    AssignmentRole,
    Decision,
    Status,
)
from hotline.tickets.models import Reply, Ticket, TimelineEvent
from hotline.tickets.public_text import citizen_steps, citizen_text, extension_notices, status_text
from hotline.tickets.services.followups import portal_chased_today

#: How many masters up a merged order's page follows (orders merged before chains were refused).
MAX_MASTER_HOPS = 10


@dataclass(frozen=True)
class PublicEvent:
    """One line of the public timeline: when, what, and the unit concerned (never a person)."""

    at: datetime
    label: str
    unit: str = ""
    text: str = ""
    action: str = ""  # the step (not shown): lets the intake pop-up skip the citizen's own chases


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
    #: For a merged (已并单) order: the master it is handled with, and that master's status for the citizen.
    master_number: str = ""
    master_status: str = ""
    #: 催办 on the page: "offered" (a button), "today" (already chased online this working day), "" (not offered).
    chase: str = ""
    #: With chase "today": who has the chase, in words that fit the order's status (`portal_chased_today`).
    chase_note: str = ""
    #: An online request the centre has not accepted yet: its time is the submission's, not an acceptance's.
    awaiting_acceptance: bool = False


def public_reply(ticket: Ticket) -> str:
    """The lead unit's approved public reply (公开答复内容), the newest one; empty if none."""
    found = (Reply.objects.filter(ticket=ticket, assignment__role=AssignmentRole.LEAD,
                                  review_status=Decision.APPROVED)
             .exclude(public_reply="").order_by("-reviewed_at", "-id").values_list("public_reply", flat=True).first())
    return found or ""


def master_of(ticket: Ticket) -> Ticket | None:
    """The order a merged order is handled with: its master, followed up while that was merged too; else None."""
    if ticket.status != Status.MERGED:
        return None
    master, seen = ticket.master, {ticket.pk}
    while master is not None and master.master_id and master.pk not in seen and len(seen) <= MAX_MASTER_HOPS:
        seen.add(master.pk)
        master = master.master
    return master


def _answer(master: Ticket) -> str:
    """The master's words for its citizen that answer the matter: the approved reply or the direct answer."""
    if reply := public_reply(master):
        return reply
    said = citizen_steps().filter(ticket=master, action=Action.ANSWER_DIRECTLY).values_list("action", "note").first()
    return status_text(master.status, *said) if said else ""


def _event_text(event: TimelineEvent, extensions: dict[int, str]) -> str:
    """The public words of a step (tickets.public_text); the approved reply has its own box on the page."""
    if event.action == Action.APPROVE_REPLY:
        return ""
    if event.action == Action.APPROVE_EXTENSION:
        return extensions.get(event.pk, "")
    return citizen_text(event.action, event.note, event.data)


def public_timeline(ticket: Ticket) -> list[PublicEvent]:
    """The order's public events (TimelineEvent.is_public) with the citizen's labels and unit names."""
    events = list(TimelineEvent.objects.public().filter(ticket=ticket).select_related("unit").order_by("seq"))
    leads = {e.data.get("lead") for e in events if e.action in DISPATCH_ACTIONS
             and isinstance(e.data, dict)} | {e.data.get("to_unit") for e in events if e.action == Action.FORWARD}
    names = dict(HandlingUnit.objects.filter(pk__in=[pk for pk in leads if pk]).values_list("pk", "name"))
    extensions = extension_notices(events)
    online = ticket.channel in ONLINE_CHANNELS
    shown = []
    for event in events:
        if event.action == Action.CONSULT and shown and shown[-1].label == public_action(Action.CONSULT):
            continue  # withdrawn (internal) and asked again: to the citizen it is one consultation
        event.ticket = ticket
        if event.action == Action.FORWARD:  # 下派: the unit it went to, not the unit that handed it down
            unit = names.get((event.data or {}).get("to_unit"), "")
        else:
            unit = event.unit.name if event.unit else names.get((event.data or {}).get("lead"), "")
        shown.append(PublicEvent(at=event.at, label=public_action(event.action, event.data, online=online), unit=unit,
                                 text=_event_text(event, extensions), action=event.action))
    return shown


def public_order(ticket: Ticket) -> PublicOrder:
    """What the tracking page shows: for a confidential (保密) order only that it was accepted.

    A merged order (已并单) follows its master: the page names the master and shows its status and its
    answer to the citizen (approved reply or direct answer), unless the master is confidential.
    """
    if ticket.is_confidential:  # no chase card either: the page asks the citizen to call 12345
        return PublicOrder(number=ticket.number or "", confidential=True)
    order = PublicOrder(
        number=ticket.number or "", confidential=False,
        status=public_status(ticket.status, awaiting_acceptance=ticket.awaiting_acceptance),
        request_type=ticket.get_request_type_display(), title=ticket.title, description=ticket.description,
        registered_at=ticket.registered_at, events=public_timeline(ticket), reply=public_reply(ticket),
        awaiting_acceptance=ticket.awaiting_acceptance and ticket.status == Status.REGISTERED,
    )
    master = master_of(ticket)
    if master is not None and not master.is_confidential:
        order.master_number, order.master_status = master.number or "", public_status(
            master.status, awaiting_acceptance=master.awaiting_acceptance, for_merged=True)
        # written to the master's caller, another person: their name, numbers and firm masked
        order.reply = order.reply or scrub_public_text(_answer(master), order=master)
    order.chase = chase_offer(ticket)
    if order.chase == "today":
        order.chase_note = str(portal_chased_today((master or ticket).status))
    return order


def chase_offer(ticket: Ticket) -> str:
    """What the tracking page offers as 催办 on this order (a merged one: its master's), raised by a citizen:

    "offered" (the button) while a unit holds or will hold it; "today" once chased online this working day;
    "awaiting" when the unit waits for the citizen (待群众补充: call 12345 to add what it asked for) — never on
    a merged order's page: the master's unit asked the master's caller, not this citizen; "" where no chase is
    taken (not open, 已登记, 待回访 — the visit or the rating link is the channel — a proactive or a
    confidential order).
    """
    from hotline.core import clock
    from hotline.tickets.services.followups import chased_online_today
    from hotline.tickets.transitions import TRANSITIONS

    target = master_of(ticket) or ticket
    if (target.status not in TRANSITIONS[Action.CHASE].sources or target.is_proactive
            or ticket.is_confidential or target.is_confidential):
        return ""
    if target.status == Status.AWAITING_CITIZEN and target.pk == ticket.pk:
        return "awaiting"
    return "today" if chased_online_today(target, clock.now()) else "offered"
