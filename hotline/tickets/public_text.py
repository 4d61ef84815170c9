"""What of an order's timeline a citizen or the public may read: texts written for the citizen, never staff notes.

Staff write notes on most steps (a return visit's conversation, a review's criticism, a reopening's reason);
they may name people and quote identity or phone numbers, so no public channel (the portal's tracking page,
Open311, the open-data export) shows them. Three steps carry words addressed to the citizen: the direct
answer (直接答复), the unit's question (请群众补充) and the approved public reply (审核通过, 公开答复内容);
a refusal (不予受理) is shown by its reason's label. An approved extension (批准延期) is told by the unit's
reason (延期理由, which the form says the citizen will read) and the new reply deadline, never by the
centre's decision note; a denied request is never told. An approved termination (终止办理) is told by
the reason's label alone (「经热线中心审核，终止办理：…」, `termination_notice`, built from the event's
reason code in the reader's language): never the unit's account of what it did nor the centre's review;
a rejected request is never told. A citizen's own supplement (补充诉求) is told in their words when its event
is public (the service makes it public only on an order that is not confidential and when the text needs
no masking); a chase (群众催办) only by its label, never the agent's note.

What leaves the centre (webhooks, partners' updates) carries a public step's note, but never a chase's
(`outbound_note`): the agent's free text about the call is for the centre and the units. A split (拆单) sends
only the new orders' numbers (「拆分为工单 …」); the tracking page tells the citizen the same numbers in their
words (`split_notice`: 「其他诉求已另行登记为工单 …」), never the query codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hotline.core.privacy import scrub_public_text
from hotline.sla.display import deadline_date
from hotline.tickets.choices import (
    DISPATCH_ACTIONS,
    Action,
    Decision,
    NotAcceptedReason,
    Status,
    TerminationReason,
)
from hotline.tickets.models import Extension, TimelineEvent

#: Steps whose note is the text written for the citizen.
CITIZEN_NOTE_ACTIONS = (Action.ANSWER_DIRECTLY, Action.REQUEST_INFO, Action.APPROVE_REPLY)
#: Steps with something for the citizen to read: those above and a refusal's reason.
CITIZEN_TEXT_ACTIONS = (*CITIZEN_NOTE_ACTIONS, Action.NOT_ACCEPT, Action.DECIDE_TERMINATION)


def citizen_text(action: str, note: str, data: dict[str, Any] | None = None) -> str:
    """The public words of one step (empty for every other step, whatever its note says)."""
    if action in CITIZEN_NOTE_ACTIONS or action == Action.SUPPLEMENT:
        return note or ""
    if action == Action.SPLIT:  # 拆单: the new orders' numbers (they copy the caller), never the agent's note
        return split_notice(split_numbers(data))
    if action == Action.NOT_ACCEPT:
        reason = (data or {}).get("reason", "")
        return str(NotAcceptedReason(reason).label) if reason in NotAcceptedReason.values else ""
    if action == Action.DECIDE_TERMINATION:  # approved only: a rejection's note is the centre's words to the unit
        if not (data or {}).get("approved"):
            return ""
        reason = (data or {}).get("reason_code", "")
        return termination_notice(reason) if reason in TerminationReason.values else (note or "")
    return ""


def outbound_note(event: TimelineEvent) -> str:
    """The note a public step sends out of the centre (webhook payloads, partners' updates).

    "" for an internal step, for a chase (群众催办: the agent's free text about the call), for 下派 and 收回下派
    (the unit's instructions to the unit below, its reason for taking the order back) and for 退回重办 (the
    reviewer's judgement of a unit's reply). A dispatch (派单, 指定, 会商定责) says which units: 主办：…；协办：…,
    never the dispatcher's instructions. Any other public step sends its stored note with phone and identity
    card numbers and full names masked, the order's caller's name and number wherever written
    (`scrub_public_text`).
    """
    if not event.is_public or event.action in (Action.CHASE, Action.FORWARD, Action.RECALL, Action.SEND_BACK):
        return ""
    if event.action in DISPATCH_ACTIONS:
        return _units_named(event.data or {})
    if event.action == Action.SPLIT:  # 拆单: the new orders' numbers, never the agent's account of the demands
        numbers = split_numbers(event.data)
        return f"拆分为工单 {'、'.join(numbers)}" if numbers else ""
    return scrub_public_text(event.note or "", order=event.ticket)


def split_numbers(data: dict[str, Any] | None) -> list[str]:
    """The numbers of the orders a split (拆单) created, from its event's `data["children"]`."""
    children = (data or {}).get("children") or []
    return [str(c["number"]) for c in children if isinstance(c, dict) and c.get("number")]


def split_notice(numbers: list[str]) -> str:
    """What the citizen reads of a split (拆单): the other demands' new order numbers (never their query codes)."""
    if not numbers:
        return ""
    return _("其他诉求已另行登记为工单 %(numbers)s，可凭工单编号和查询码查询办理进度，或致电 12345。") % {
        "numbers": "、".join(numbers)}


def _units_named(data: dict[str, Any]) -> str:
    """主办：<lead>；协办：<assisting units> of a dispatch step's data (stored in Chinese, like the notes)."""
    from hotline.orgs.models import HandlingUnit

    lead, assisting = data.get("lead"), [pk for pk in data.get("assisting") or [] if isinstance(pk, int)]
    names = dict(HandlingUnit.objects.filter(pk__in=[pk for pk in [lead, *assisting] if isinstance(pk, int)])
                 .values_list("pk", "name"))
    text = f"主办：{names[lead]}" if lead in names else ""
    if helpers := "、".join(names[pk] for pk in assisting if pk in names):
        text += f"；协办：{helpers}"
    return text


def termination_notice(reason_code: str) -> str:
    """What the citizen reads of an approved termination (终止办理): the reason's label, in the active language."""
    label = TerminationReason(reason_code).label if reason_code in TerminationReason.values else ""
    return _("经热线中心审核，终止办理：%(reason)s") % {"reason": label}


def status_text(status: str, action: str | None, note: str | None, not_accepted_reason: str = "") -> str:
    """The words for the citizen behind an order's current state (Open311's status_notes), from its newest
    `citizen_steps()` row: a question only while the order still waits for the citizen's answer."""
    if not action or (action == Action.REQUEST_INFO and status != Status.AWAITING_CITIZEN):
        return ""
    if action == Action.DECIDE_TERMINATION:  # only an approved decision is public; it left the order terminated
        return (note or "") if status == Status.TERMINATED else ""
    return citizen_text(action, note or "", {"reason": not_accepted_reason})


def citizen_steps(*, extensions: bool = False) -> QuerySet[TimelineEvent]:
    """Public steps that carry words for the citizen, newest first (filter by ticket, take the first).

    With `extensions`, approved extensions (批准延期) too: their words are `extension_notices`, not `citizen_text`.
    """
    actions = (*CITIZEN_TEXT_ACTIONS, Action.APPROVE_EXTENSION) if extensions else CITIZEN_TEXT_ACTIONS
    return TimelineEvent.objects.filter(is_public=True, action__in=actions).order_by("-seq")


def extension_notice(reason: str, days: int, reply_due: datetime | None) -> str:
    """What the citizen reads of an approved extension (延期): the days, the new reply deadline and the reason.

    The deadline is named by its last day (`sla.display.deadline_date`): one at the end of a working day is
    stored as 00:00 of the next day, and the citizen is told the working day itself.
    """
    due = deadline_date(reply_due)
    head = (_("办理期限延长%(days)s个工作日，答复期限延至%(due)s。") % {"days": days, "due": due} if due
            else _("办理期限延长%(days)s个工作日。") % {"days": days})
    return head + (_("延期理由：%(reason)s") % {"reason": reason.strip()} if reason.strip() else "")


def extension_notices(events: Iterable[TimelineEvent]) -> dict[int, str]:
    """The citizen's words of the approved extensions (批准延期) among `events`, by event id, in one query."""
    events = list(events)
    wanted = {e.pk: e.data.get("extension") for e in events
              if e.action == Action.APPROVE_EXTENSION and isinstance(e.data, dict) and e.data.get("extension")}
    if not wanted:
        return {}
    reasons = dict(Extension.objects.filter(pk__in=set(wanted.values()), status=Decision.APPROVED)
                   .values_list("pk", "reason"))
    texts = {}
    for event in events:
        if wanted.get(event.pk) in reasons:
            due = event.data.get("reply_due")
            texts[event.pk] = extension_notice(reasons[wanted[event.pk]], event.data.get("days") or 0,
                                               datetime.fromisoformat(due) if due else None)
    return texts
