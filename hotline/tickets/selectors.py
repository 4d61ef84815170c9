"""Reads of one order as a person sees it: what citizens and the centre wrote, numbers masked for those who
see the caller's number masked (`hotline.core.privacy.text_for`, the rule of `phone_for`).

The order page, the unit's workbench page and the REST API read the same lists from here.
"""

from __future__ import annotations

from typing import Any

from hotline.accounts.choices import UNIT_ROLES
from hotline.core.privacy import text_for, unit_text_for
from hotline.tickets.choices import Action
from hotline.tickets.models import Reply, ReturnVisit, Ticket, TimelineEvent


def written_by_unit(event: TimelineEvent) -> bool:
    """Whether a handling unit's staff wrote the event's note (签收, 下派, 答复 …): the unit's own words.

    A unit is shown the caller's number masked unless it reveals it to contact the citizen (联系群众), and may then
    write it down; its notes are read through `unit_text_for` (a street's contact number in a 下派 note stays
    readable for the unit below, the citizen's number does not).
    """
    return getattr(event.actor, "role", None) in UNIT_ROLES


def note_shown(event: TimelineEvent, ticket: Ticket, user: Any, *, full_phone: bool = True) -> str:
    """One timeline note as this person may read it: a unit's own through `unit_text_for` (as written to the centre
    and to the unit that wrote it, the citizen's numbers masked for anyone else), every other (a 补充诉求, a
    chase's or a return visit's note, the centre's reasons) through `text_for`."""
    if written_by_unit(event):
        return unit_text_for(event.note, ticket, user, unit_id=event.unit_id, full_phone=full_phone)
    return text_for(event.note, ticket, user, full_phone=full_phone)


def timeline_shown(ticket: Ticket, user: Any, *, full_phone: bool = True) -> list[TimelineEvent]:
    """The order's timeline (流转记录) in order, each event's `note_shown` set (`note_shown`); one query."""
    events = list(ticket.timeline.select_related("unit", "actor").order_by("seq"))
    for event in events:
        event.note_shown = note_shown(event, ticket, user, full_phone=full_phone)
    return events


def supplements(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """The citizen's later additions (补充诉求) among the events, in order."""
    return [event for event in events if event.action == Action.SUPPLEMENT]


def visits_shown(ticket: Ticket, user: Any, *, full_phone: bool = True) -> list[ReturnVisit]:
    """The order's return visits (回访, 现场核查) in order, each `note_shown` set: the centre's record of the
    citizen's words, through `text_for`."""
    visits = list(ticket.visits.select_related("visitor"))
    for visit in visits:
        visit.note_shown = text_for(visit.note, ticket, user, full_phone=full_phone)
    return visits


def replies_shown(ticket: Ticket, user: Any) -> list[Reply]:
    """The order's replies (答复) in order, each `review_note_shown` set: the centre's review note (审核意见) through
    `text_for`; and the unit's words — `content_shown`, `public_reply_shown` (公开答复内容) and
    `unresolved_reason_shown` (未解决原因) — through `unit_text_for` (the citizen's number it wrote down after
    联系群众 masked for other units and the unit above), as the API's `serialize.reply` reads them."""
    replies = list(ticket.replies.select_related("assignment__unit", "author"))
    for reply in replies:
        unit_id = reply.assignment.unit_id
        reply.review_note_shown = text_for(reply.review_note, ticket, user)
        reply.content_shown = unit_text_for(reply.content, ticket, user, unit_id=unit_id)
        reply.public_reply_shown = unit_text_for(reply.public_reply, ticket, user, unit_id=unit_id)
        reply.unresolved_reason_shown = unit_text_for(reply.unresolved_reason, ticket, user, unit_id=unit_id)
    return replies


def reveal_citizens_words(ticket: Ticket, user: Any, events: list[TimelineEvent]) -> str:
    """For the one response that shows a handling unit the caller's number (联系群众, allowed by
    `permissions.may_reveal_caller` and recorded by the view): the description as written, returned, and each
    补充诉求 among `events` with its `note_shown` as written — they often carry the number the citizen gave."""
    for event in supplements(events):
        if not written_by_unit(event):
            event.note_shown = text_for(event.note, ticket, user, revealed=True)
    return text_for(ticket.description, ticket, user, revealed=True)
