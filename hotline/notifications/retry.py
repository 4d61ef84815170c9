"""Sending a caller's failed text again (群众短信补发): after a gateway outage the receipts with their query
codes (查询码), the reply and closing texts still reach the caller, a few times at most, never twice.

A failed text to a caller gets its next try when it fails (`next_try`): 1, 2, 4, 8 … minutes later, at most
MAX_ATTEMPTS tries in all, and only while it is news (written within NEWS_WITHIN) and not overtaken by a later
step's text of the same order to the same number that supersedes it (`OVERTAKEN_BY`: a 转办通知 after 改派, a
receipt after 不予受理 …): it would arrive after, and contradict, what the caller was told since. A merged order's
caller (并单) is told its master's steps on its one merge event: there a text is overtaken by one about a later step
of the master (`superseding`, `told_since`).
The same rules hold at a text's first send (`not_news`, called by `services.notify_event`): a step followed up
late (a lagging worker queue, `hotline.tasks.repair` up to NEWS_WITHIN later) records its overtaken texts, and
all of them once the step is older than NEWS_WITHIN, as not sent, with the reason, instead of sending them.
Nothing is retried or sent again while texts are switched off (`services.enabled`). The periodic task
`hotline.tasks.retry_failed_texts` calls `retry_due`; staff can send one again from the admin (「重新发送」,
`resend`). Either way the text is claimed first by a conditional UPDATE (failed → sending), so that two
senders never both send it; a sender that dies during the gateway call leaves it `sending`, reported failed
by `report_interrupted` and not tried again (whether it went out is unknown: a double is worse).

A text whose sender died after writing it and before the gateway call (kill -9, a deploy, OOM) stays queued
(待发送): `retry_due` sends it once it has waited QUEUED_GRACE (a normal follow-up sends within seconds), under
the same rules (news, not overtaken, a rating invitation only while the order awaits its visit, the run's
limit). The normal sender claims its text the same way (queued → sending, `services.send_claimed`), so it and
the sweep never both send one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from hotline.core import clock
from hotline.notifications.backends import Message
from hotline.notifications.choices import DeliveryStatus, Recipient, Template
from hotline.notifications.constants import (
    INTERRUPTED_AFTER,
    MAX_ATTEMPTS,
    NEWS_WITHIN,
    QUEUED_GRACE,
    RETRY_BASE,
    RETRY_CAP,
    RETRY_PER_RUN,
)
from hotline.notifications.models import Notification
from hotline.tickets.choices import Action, Status

if TYPE_CHECKING:
    from hotline.tickets.models import Ticket, TimelineEvent

logger = logging.getLogger(__name__)

#: What the stored body of an invitation to rate holds instead of the link's secret (`services.compose`).
HIDDEN = "***"
#: Why a failed text is not tried again (the admin shows it after the gateway's error).
GIVEN_UP_ATTEMPTS = "已尝试%(count)d次，不再自动补发"
GIVEN_UP_OLD = "已超过补发时效，不再自动补发"
GIVEN_UP_VISIT = "工单已不在待回访状态，评价邀请不再补发"
GIVEN_UP_LINK = "评价链接无法重新生成，不再补发"
GIVEN_UP_NEWER = "工单已有更新的%(newer)s，本条已过时，不再补发"
#: Why a step's text was recorded and not sent at its first send (a follow-up run late; the admin shows it).
NOT_SENT_OLD = "办理环节已超过短信时效，本条未发送"
NOT_SENT_NEWER = "工单已有更新的%(newer)s，本条已过时，未发送"
INTERRUPTED = "发送中断，短信是否发出未知；为免重复未再发送"
#: What a text left queued by a dead sender and then given up records before the reason.
STRANDED = "写入后未发出（发送进程中断）"

#: The texts that overtake a due one: a later step's text of the same order, to the same number, of one of these
#: templates (written, whether it reached the phone or not: the due one's news is out of date either way).
#: Texts that tell where the order stands (received, which unit, the deadline, rate it now, closed) are
#: overtaken by a newer word on the same thing and by the order's end (办结、终止办理) — and, for the unit and the
#: deadline, by the merge (并单: the master is handled instead); a closing text by the order being handled again
#: (重新办理: a new 转办通知) or closed again. The receipt is overtaken only by the order's end: it carries the
#: query code (查询码), still needed to track the order. A reply by a newer reply (after 重办) and by the order's end:
#: the caller was told it is closed (the reply is on the tracking page, and was talked through at the return
#: visit). What stays true is never overtaken: 并单通知 and 拆单通知 (the new orders' query codes).
_ENDED = frozenset({Template.CLOSED, Template.TERMINATED})
OVERTAKEN_BY: dict[str, frozenset[str]] = {
    Template.ACCEPTED: _ENDED,
    Template.DISPATCHED: _ENDED | {Template.DISPATCHED, Template.MERGED},
    Template.EXTENDED: _ENDED | {Template.EXTENDED, Template.DISPATCHED, Template.MERGED},
    Template.REPLIED: _ENDED | {Template.REPLIED},
    Template.VISIT: _ENDED | {Template.VISIT},
    Template.CLOSED: _ENDED | {Template.DISPATCHED},
    Template.TERMINATED: _ENDED | {Template.DISPATCHED},
}


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed try: RETRY_BASE doubled each time, at most RETRY_CAP."""
    return min(RETRY_CAP, RETRY_BASE * 2 ** max(0, attempts - 1))


def next_try(note: Notification, now: datetime) -> datetime | None:
    """When a text that just failed is tried again; None when it is not: a unit alert, MAX_ATTEMPTS tries
    made, or no longer news by then (written more than NEWS_WITHIN before)."""
    if note.recipient != Recipient.CITIZEN or note.attempts >= MAX_ATTEMPTS:
        return None
    at = now + backoff(note.attempts)
    return at if still_news(note.created_at, at) else None


def still_news(since: datetime, now: datetime) -> bool:
    """Whether what happened (a step, or a text written) at `since` is still news at `now`: within NEWS_WITHIN,
    the one window of the first send, the retry and the repair of lost follow-ups (`hotline.tasks.repair`)."""
    return since >= now - NEWS_WITHIN


def retry_due(at: datetime | None = None, limit: int = RETRY_PER_RUN) -> dict[str, int]:
    """Send again the failed citizen texts whose next try has come, and the ones left queued (待发送) for
    QUEUED_GRACE by a sender that died, the longest-waiting first (a round of at most `limit`).

    Returns how many were sent, failed again, and given up (no longer useful: the reason is recorded), and how
    many interrupted sends were reported. Does nothing while texts are switched off (`services.enabled`): the due
    ones wait, under the same limits, until they are switched on again.
    """
    from hotline.notifications.services import enabled

    now = at or clock.now()
    if not enabled():
        return {"sent": 0, "failed": 0, "given_up": 0, "interrupted": 0}
    result = {"sent": 0, "failed": 0, "given_up": 0, "interrupted": report_interrupted(now)}
    citizen = Notification.objects.filter(recipient=Recipient.CITIZEN).select_related("ticket", "event")
    failed = list(citizen.filter(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
                  .order_by("next_attempt_at", "pk")[:limit])
    left_queued = list(citizen.filter(status=DeliveryStatus.QUEUED, created_at__lte=now - QUEUED_GRACE)
                       .order_by("created_at", "pk")[:limit])
    if left_queued:
        logger.warning("%d citizen text(s) left queued by their sender (written, never sent): sending them now",
                       len(left_queued))
    for note in sorted(failed + left_queued, key=_waiting_since)[:limit]:
        outcome = _retry(note, now)
        if outcome:
            result[outcome] += 1
    if any(result.values()):
        logger.info("citizen texts retried: %s", result)
    return result


def _waiting_since(note: Notification) -> tuple[datetime, int]:
    """Since when a text has been due: its next try (failed), or the end of its grace (left queued)."""
    due = note.next_attempt_at if note.status == DeliveryStatus.FAILED else note.created_at + QUEUED_GRACE
    return due or note.created_at, note.pk


def _retry(note: Notification, now: datetime) -> str:
    """Try one due text again if this sender claims it; "" if another one did."""
    reason = no_longer_useful(note, now)
    if reason:
        return "given_up" if give_up(note, reason) else ""
    if not claim(note, now):
        return ""
    sent = send_again(note)
    return "sent" if sent.status == DeliveryStatus.SENT else "failed"


def give_up(note: Notification, reason: str) -> bool:
    """Record why a due text is not sent (a failed one keeps its status; a queued one becomes failed, so that
    staff may still send it from the admin); False if another sender changed it meanwhile."""
    if note.status == DeliveryStatus.QUEUED:
        return bool(Notification.objects.filter(pk=note.pk, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None, error=f"{STRANDED}\n{reason}"))
    return bool(Notification.objects.filter(pk=note.pk, status=DeliveryStatus.FAILED,
                                            next_attempt_at=note.next_attempt_at).update(
        next_attempt_at=None, error=f"{note.error}\n{reason}".strip()[:2000]))


def no_longer_useful(note: Notification, now: datetime) -> str:
    """Why a due text (failed, or left queued) must not be sent automatically ("" if it may): too many tries,
    too old, an invitation to rate an order no longer awaiting its return visit, or overtaken by a later text."""
    if note.attempts >= MAX_ATTEMPTS:
        return GIVEN_UP_ATTEMPTS % {"count": note.attempts}
    if not still_news(note.created_at, now):
        return GIVEN_UP_OLD
    if _stale_invitation(note):
        return GIVEN_UP_VISIT
    if newer := overtaken_by(note):
        return _naming(GIVEN_UP_NEWER, newer)
    return ""


def not_news(template: str, ticket: Ticket, event: TimelineEvent, to: str, step: TimelineEvent,
             now: datetime | None = None) -> str:
    """Why a step's text must not be sent at its first send ("" if it may), by the retry's rules: the step told
    (`step`) is no longer news (a follow-up run more than NEWS_WITHIN late), or a later step's text already
    written to `to` overtakes it (`OVERTAKEN_BY`: its follow-up ran late, after theirs). `event` is the step the
    text hangs on: `step` itself, or for a merged order's caller told its master's `step`, its merge event."""
    if not still_news(step.at, now or clock.now()):
        return NOT_SENT_OLD
    # `seq` is the order's `version` after the step: an order with no step since (a follow-up on time) has no
    # later text, and costs no query.
    if ticket.version > event.seq and (newer := superseding(template, ticket.pk, to, event)):
        return _naming(NOT_SENT_NEWER, newer)
    if step.ticket_id != ticket.pk and (newer := told_since(template, ticket.pk, to, event, step)):
        return _naming(NOT_SENT_NEWER, newer)
    return ""


def _naming(reason: str, newer: Notification) -> str:
    """The reason naming the newer text, in the centre's language as the other recorded reasons."""
    with translation.override(settings.LANGUAGE_CODE):
        return reason % {"newer": newer.get_template_display()}


def invitation_stale(ticket: Ticket | None) -> bool:
    """Whether an invitation to rate this order (评价邀请) would be a dead link: it no longer awaits its return
    visit (待回访). Checked before one is first sent (`services._tells`) and before one is sent again."""
    return ticket is None or ticket.status != Status.AWAITING_VISIT


def _stale_invitation(note: Notification) -> bool:
    """An invitation to rate (评价邀请) an order no longer awaiting its return visit: its link could not rate."""
    return note.template == Template.VISIT and invitation_stale(note.ticket)


def overtaken_by(note: Notification) -> Notification | None:
    """The text that overtook this one (`OVERTAKEN_BY`, `superseding`); None if there is none."""
    if note.ticket_id is None or note.event is None:
        return None
    return superseding(note.template, note.ticket_id, note.to, note.event, after=note.pk)


def superseding(template: str, ticket_id: int, to: str, event: TimelineEvent,
                after: int | None = None) -> Notification | None:
    """The text that supersedes a text of `template` told at step `event` of an order (`OVERTAKEN_BY`): the first
    of a later step of the same order to the same number `to`, of a template that supersedes it, written
    (whether it went out or not); None if there is none. The one rule of the first send and of the retry.

    A merged order's caller (并单) is told its master's reply and closing on the order's merge event, one text
    per template, each at a later step of the master: for a written text (`after`, its id) a later one there is
    one written after it, so that OVERTAKEN_BY holds for them as for the master's caller. (At its first send,
    `told_since`.)
    """
    kinds = OVERTAKEN_BY.get(template)
    if not kinds:
        return None
    later = Q(event__seq__gt=event.seq)
    if after is not None and event.action == Action.MERGE:
        later |= Q(event_id=event.pk, pk__gt=after)
    return (Notification.objects.filter(later, ticket_id=ticket_id, recipient=Recipient.CITIZEN, to=to,
                                        template__in=kinds)
            .order_by("event__seq", "created_at", "pk").first())


def told_since(template: str, ticket_id: int, to: str, merge_event: TimelineEvent,
               step: TimelineEvent) -> Notification | None:
    """The text on a merged order's merge event (`merge_event`) that supersedes its caller's text of `template`
    about its master's `step`, about a later step of the master (`OVERTAKEN_BY`): one of a template a later step
    of the master tells, written since that step; None if there is none. The texts written on the event before
    (about the master's earlier steps: an 办结通知 before it was reopened) overtake nothing."""
    from hotline.notifications.services import milestones

    kinds = OVERTAKEN_BY.get(template)
    if not kinds or merge_event.action != Action.MERGE or step.ticket.version <= step.seq:
        return None
    since: dict[str, datetime] = {}
    for later in (step.ticket.timeline.filter(seq__gt=step.seq).order_by("seq")
                  .values("action", "from_status", "to_status", "at")):
        for kind in milestones(later["action"], later["from_status"], later["to_status"]):
            if kind in kinds:
                since.setdefault(kind, later["at"])
    if not since:
        return None
    told = Q()
    for kind, at in since.items():
        told |= Q(template=kind, created_at__gte=at)
    return (Notification.objects.filter(told, ticket_id=ticket_id, recipient=Recipient.CITIZEN, to=to,
                                        event_id=merge_event.pk)
            .order_by("created_at", "pk").first())


def claim(note: Notification, now: datetime | None = None) -> bool:
    """Take a text for this sender (queued or failed → sending) by a conditional UPDATE, unless another sender
    took it first: a queued one as it is, a failed one only at the try it is due for (`next_attempt_at`)."""
    if note.status == DeliveryStatus.QUEUED:
        unchanged = Q(status=DeliveryStatus.QUEUED)
    elif note.status == DeliveryStatus.FAILED:
        unchanged = Q(status=DeliveryStatus.FAILED, next_attempt_at=note.next_attempt_at)
    else:
        return False
    moment = now or clock.now()
    taken = Notification.objects.filter(unchanged, pk=note.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=moment, next_attempt_at=None)
    if taken:
        note.status, note.claimed_at, note.next_attempt_at = DeliveryStatus.SENDING, moment, None
    return bool(taken)


def stranded(note: Notification, now: datetime | None = None) -> bool:
    """Whether a text is still queued QUEUED_GRACE after it was written: its sender died before the gateway."""
    return note.status == DeliveryStatus.QUEUED and note.created_at <= (now or clock.now()) - QUEUED_GRACE


def send_again(note: Notification) -> Notification:
    """Send a claimed text (status sending) through the configured backend and record the outcome.

    The stored body is what was sent, except an invitation to rate: its link's secret is not stored, so a new
    link is made (the undelivered one stops working) and put where the secret was.
    """
    from hotline.notifications.services import deliver

    body = note.body
    if note.template == Template.VISIT:
        body = _with_new_link(note)
        if not body:
            Notification.objects.filter(pk=note.pk).update(status=DeliveryStatus.FAILED, error=GIVEN_UP_LINK)
            note.status, note.error = DeliveryStatus.FAILED, GIVEN_UP_LINK
            return note
    message = Message(channel=note.channel, to=note.to, subject=note.subject, body=body, ticket_id=note.ticket_id)
    return deliver(note, message)


def _with_new_link(note: Notification) -> str:
    """The invitation's body with a fresh rating link's secret; "" when the body holds no hidden secret."""
    from hotline.portal.services import invite_to_rate

    if note.ticket is None or note.body.count(HIDDEN) != 1:
        return ""
    with transaction.atomic():
        token = invite_to_rate(note.ticket)
    return note.body.replace(HIDDEN, token)


def resend(note: Notification) -> bool:
    """Send a failed citizen text, or one left queued by a dead sender (`stranded`), again now at a staff
    member's request (重新发送), whatever its age and tries; False if it is neither, if its news is out of date (an
    invitation to rate an order no longer awaiting its visit, a text overtaken by a later one), if texts are
    switched off (`services.enabled`) or if another sender took it first."""
    from hotline.notifications.services import enabled

    if not enabled():
        return False
    fresh = Notification.objects.select_related("ticket", "event").filter(
        pk=note.pk, recipient=Recipient.CITIZEN, status__in=[DeliveryStatus.FAILED, DeliveryStatus.QUEUED]).first()
    if fresh is None or _stale_invitation(fresh) or overtaken_by(fresh) is not None:
        return False
    if fresh.status == DeliveryStatus.QUEUED and not stranded(fresh):
        return False  # its sender is still at work
    if not claim(fresh):
        return False
    send_again(fresh)
    return True


def report_interrupted(at: datetime | None = None) -> int:
    """Mark failed (for good) the citizen texts whose sender died during the gateway call (sending for
    INTERRUPTED_AFTER): whether the text went out is unknown, so it is not sent again automatically."""
    before = (at or clock.now()) - INTERRUPTED_AFTER
    return Notification.objects.filter(recipient=Recipient.CITIZEN, status=DeliveryStatus.SENDING,
                                       claimed_at__lt=before).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, error=INTERRUPTED)
