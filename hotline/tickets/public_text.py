"""What of an order's timeline a citizen or the public may read: texts written for the citizen, never staff notes.

Staff write notes on most steps (a return visit's conversation, a review's criticism, a reopening's reason);
they may name people and quote identity or phone numbers, so no public channel (the portal's tracking page,
Open311, the open-data export) shows them. Three steps carry words addressed to the citizen: the direct
answer (直接答复), the unit's question (请群众补充) and the approved public reply (审核通过, 公开答复内容);
a refusal (不予受理) is shown by its reason's label.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from hotline.tickets.choices import Action, NotAcceptedReason, Status
from hotline.tickets.models import TimelineEvent

#: Steps whose note is the text written for the citizen.
CITIZEN_NOTE_ACTIONS = (Action.ANSWER_DIRECTLY, Action.REQUEST_INFO, Action.APPROVE_REPLY)
#: Steps with something for the citizen to read: those above and a refusal's reason.
CITIZEN_TEXT_ACTIONS = (*CITIZEN_NOTE_ACTIONS, Action.NOT_ACCEPT)


def citizen_text(action: str, note: str, data: dict[str, Any] | None = None) -> str:
    """The public words of one step (empty for every other step, whatever its note says)."""
    if action in CITIZEN_NOTE_ACTIONS:
        return note or ""
    if action == Action.NOT_ACCEPT:
        reason = (data or {}).get("reason", "")
        return str(NotAcceptedReason(reason).label) if reason in NotAcceptedReason.values else ""
    return ""


def status_text(status: str, action: str | None, note: str | None, not_accepted_reason: str = "") -> str:
    """The words for the citizen behind an order's current state (Open311's status_notes), from its newest
    `citizen_steps()` row: a question only while the order still waits for the citizen's answer."""
    if not action or (action == Action.REQUEST_INFO and status != Status.AWAITING_CITIZEN):
        return ""
    return citizen_text(action, note or "", {"reason": not_accepted_reason})


def citizen_steps() -> QuerySet[TimelineEvent]:
    """Public steps that carry words for the citizen, newest first (filter by ticket, take the first)."""
    return TimelineEvent.objects.filter(is_public=True, action__in=CITIZEN_TEXT_ACTIONS).order_by("-seq")
