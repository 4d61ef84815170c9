"""Alerts to a handling unit's duty phone (承办单位提醒): a new order, a deadline about to pass or passed, a chase,
a formal supervision.

Units otherwise learn of these only in their inbox, which nobody reads on a Sunday night, while an order
with risk to life or property must be signed within 15 minutes. Each alert is an SMS to the first mobile
number of `HandlingUnit.phone`, through the same `Notification` log and backends as the citizens' messages.

* Steps (`alert_units_for_event`, called by the `ticket_changed` receiver after commit): 新派单 after
  派单 / 指定派单 / 会商定责 (the lead and every assisting unit), and after 驳回退单 (the lead the order goes back
  to); 群众催办 after a chase counted against the lead (`counted` in the event's data); 退回重办 after a step
  that gives the order back to a unit to handle again: the reply sent back (退回重办) or a return visit's 重办
  (the lead), a return by the unit below of an order handed down to it (下级退回: the unit above); 督办 after a
  formal supervision (`SupervisionKind.SUPERVISE`, at the centre's, the district's or the city government's
  level, named in the text): every unit still to sign or reply (lead and assisting), or only the supervised
  unit when the supervision names one. 改派 (the centre's reassignment) tells every unit it withdrew that it
  need not act any more (the 新派单 switch, as 收回下派); the new units hear of the dispatch that follows. A centre's plain reminder (催办, `SupervisionKind.REMIND`) stays a
  note on the order: it alerts nobody.
* Lights (`alert_lights`, a periodic task after the SLA sweep): 即将超期 (yellow) and 已超期 (red) of every
  assignment still to be signed or replied to; the sweep writes no events, so the task reads the lights.
  All the orders one unit has in one kind per run go in one SMS (您单位有3件工单即将超过时限：…).

Once: every alerted order is a `UnitAlert` row, unique per (assignment, kind, event) for steps and per
(assignment, kind, running deadline) for lights, written in one transaction with the SMS's `Notification`.
A second run or a re-delivered signal finds the row and sends nothing. The SMS is sent after that commit by
whoever claims the queued row first (a conditional UPDATE to `sending`); one left queued by a crash after the
commit is claimed and sent by a later run (`REDELIVER_AFTER`) while it is still news (`REDELIVER_WITHIN`, an
order still waiting). A sender that dies during the gateway call leaves its row `sending`: a later run marks
it failed (`INTERRUPTED_AFTER`) rather than risk a second SMS, so the admin shows the gap.
A unit without a mobile number gets the `UnitAlert` rows (no SMS) and a warning in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import translation

from hotline.core import clock
from hotline.notifications import unit_texts
from hotline.notifications.backends import Message
from hotline.notifications.choices import AlertScope, Channel, DeliveryStatus, Recipient, UnitAlertKind
from hotline.notifications.constants import INTERRUPTED_AFTER, MAX_PER_RUN, REDELIVER_AFTER, REDELIVER_WITHIN
from hotline.notifications.models import Notification, UnitAlert, UnitAlertSettings
from hotline.notifications.services import deliver, enabled
from hotline.orgs.models import HandlingUnit
from hotline.sla.choices import Light
from hotline.sla.sweep import assist_moot
from hotline.taxonomy.choices import Urgency
from hotline.taxonomy.models import MAX_LEVEL, Category
from hotline.tickets.choices import (
    DISPATCH_ACTIONS,
    Action,
    AssignmentRole,
    AssignmentStatus,
    Status,
    SupervisionKind,
    SupervisionLevel,
)
from hotline.tickets.models import Assignment, ReturnRequest, Supervision, Ticket, TimelineEvent

logger = logging.getLogger(__name__)

#: Assignments whose deadline a unit still has to meet: to sign, or (signed) to reply.
RUNNING = (AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED)
#: Urgency levels that make an order pressing (紧急, 较急).
PRESSING_URGENCY = frozenset({Urgency.URGENT, Urgency.PRESSING})
#: Steps that may give an order back to a unit to handle again (退回重办; `_rehandled` says whether one did).
REHANDLE_ACTIONS = frozenset({Action.SEND_BACK, Action.RETURN_VISIT, Action.RETURN})
#: Steps that take an order off a unit and tell it so (收回下派, 改派): their news is that the unit need not act.
WITHDRAWAL_ACTIONS = frozenset({Action.RECALL, Action.REASSIGN})
#: The steps that alert a unit.
ALERTING_ACTIONS = frozenset({*DISPATCH_ACTIONS, Action.FORWARD, Action.RECALL, Action.REASSIGN, Action.REJECT_RETURN,
                              Action.CHASE, Action.SUPERVISE, *REHANDLE_ACTIONS})


def is_pressing(ticket: Ticket) -> bool:
    """紧急 or 较急, or a 水电气热 category (the flag set on the category or any level above it)."""
    if ticket.urgency in PRESSING_URGENCY:
        return True
    category = Category.objects.filter(pk=ticket.category_id).first() if ticket.category_id else None
    return category is not None and any(c.is_utility for c in category.ancestors_and_self())


def in_scope(scope: str, ticket: Ticket) -> bool:
    """Whether an alert kind set to `scope` is sent for this order (never for a confidential one)."""
    if ticket.is_confidential or scope == AlertScope.OFF:
        return False
    return scope == AlertScope.ALL or is_pressing(ticket)


# --- Steps -----------------------------------------------------------------------------------------


def alert_units_for_event(*, ticket_id: int, event_id: int, action: str) -> list[Notification]:
    """Alert the units a committed step concerns (新派单 and 下派, 收回下派 and 改派, 驳回退单, 群众催办, 督办, 退回重办),
    each at most once per step."""
    if action not in ALERTING_ACTIONS or not enabled():
        return []
    kind = _kind_of(action)
    scope = UnitAlertSettings.current().scope(kind)
    if scope == AlertScope.OFF:
        return []
    event = TimelineEvent.objects.select_related("ticket").filter(pk=event_id, ticket_id=ticket_id).first()
    if event is None or not in_scope(scope, event.ticket):
        return []
    sent = []
    for assignment in _concerned(event):
        _written, note = _record(kind, assignment.unit, [assignment], event=event)
        if note is not None:
            sent.append(deliver_claimed(note))
    return [note for note in sent if note is not None]


def _kind_of(action: str) -> str:
    """The alert kind of a step: 群众催办, 督办, 退回重办, or 新派单 (dispatches, 下派, 驳回退单, and the units taken off
    by 收回下派 or 改派: news about the orders the 新派单 alert told them of)."""
    if action == Action.CHASE:
        return UnitAlertKind.CHASED
    if action == Action.SUPERVISE:
        return UnitAlertKind.SUPERVISED
    return UnitAlertKind.REHANDLE if action in REHANDLE_ACTIONS else UnitAlertKind.DISPATCHED


def _rehandled(event: TimelineEvent) -> Q | None:
    """The assignment a step gave the order back to, to handle again; None if it gave none back.

    退回重办 and a return visit's 重办 (the order back in progress; 现场核查 of a proactive order too): the
    lead. A return by a unit the order was handed down to (下级退回, `to_unit` in the data): the unit above.
    A return to the centre, or a visit that closes or waits for another call, gives nothing back.
    """
    data = event.data or {}
    if event.action == Action.SEND_BACK or (event.action == Action.RETURN_VISIT
                                            and event.to_status == Status.IN_PROGRESS):
        return Q(role=AssignmentRole.LEAD)
    if event.action == Action.RETURN and data.get("to_unit"):
        return Q(role=AssignmentRole.LEAD, unit_id=data["to_unit"])
    return None


def _sent_again(data: dict) -> list[int]:
    """The units a 改派 dispatches the order to: one it withdrew and sends the order again (a former assisting
    unit now leading) hears only the dispatch's 新派单, not that it need not act."""
    return [u for u in (data.get("to_lead"), *(data.get("to_assisting") or [])) if u]


def _concerned(event: TimelineEvent) -> list[Assignment]:
    """The assignments a step alerts, lead first, if they still wait for the unit (a signed order needs no 新派单)."""
    data, ticket = event.data or {}, event.ticket
    found = Assignment.objects.select_related("unit", "ticket").filter(ticket=ticket)
    if event.action in DISPATCH_ACTIONS:
        units = [data.get("lead"), *(data.get("assisting") or [])]
        found = found.filter(unit_id__in=[u for u in units if u], dispatched_at=event.at,
                             status=AssignmentStatus.PENDING_SIGN)
    elif event.action == Action.FORWARD:  # the unit below: a new order for it, like a dispatch
        found = found.filter(unit_id=data.get("to_unit"), dispatched_at=event.at, status=AssignmentStatus.PENDING_SIGN)
    elif event.action == Action.RECALL:  # the unit below, told it need not act (it heard of the 下派)
        found = found.filter(unit_id=data.get("from_unit"), status=AssignmentStatus.WITHDRAWN, ended_at=event.at)
    elif event.action == Action.REASSIGN:  # every unit the 改派 withdrew, told it need not act any more
        found = found.filter(pk__in=data.get("withdrawn") or [], status=AssignmentStatus.WITHDRAWN,
                             ended_at=event.at).exclude(unit_id__in=_sent_again(data))
    elif event.action == Action.REJECT_RETURN:
        returned = ReturnRequest.objects.filter(pk=data.get("return"), ticket=ticket).values("assignment_id")
        found = found.filter(pk__in=returned, status__in=RUNNING)
    elif event.action == Action.CHASE and data.get("counted"):
        found = found.filter(role=AssignmentRole.LEAD, status__in=RUNNING)
    elif event.action == Action.SUPERVISE and data.get("kind") == SupervisionKind.SUPERVISE:
        # still to sign or reply: not an assisting unit whose step the order's status closes (协办 in 待回访)
        found = found.filter(status__in=RUNNING).exclude(assist_moot())
        supervised = Supervision.objects.filter(pk=data.get("supervision"), ticket=ticket).values("unit_id").first()
        if supervised and supervised["unit_id"]:  # a 督办 addressed to one unit: that unit only
            found = found.filter(unit_id=supervised["unit_id"])
    elif event.action in REHANDLE_ACTIONS and (back := _rehandled(event)) is not None:
        # signed again by this step, its reply clock restarted then: no news once replied or paused since
        found = found.filter(back, status=AssignmentStatus.SIGNED, phase_started_at=event.at)
    else:
        return []
    return sorted(found, key=lambda a: (a.role != AssignmentRole.LEAD, a.pk))


# --- Lights ----------------------------------------------------------------------------------------


def alert_lights(now: datetime | None = None) -> dict[str, int]:
    """Alert each unit once per assignment and running deadline that turned yellow (即将超期) or red (已超期).

    One SMS per unit and kind per run lists all its orders. Red goes first; a deadline already alerted red
    is not alerted yellow again. A deadline moved by an approved extension is a new deadline. Deadlines that
    passed (or turned yellow) before their own kind was switched on or widened (`UnitAlertSettings.since(kind)`:
    `overdue_since`, `due_soon_since`) are left alone; after a worker outage the ones that passed meanwhile are
    alerted on the next run. Then unit alerts left queued by a crash are delivered, and those whose sender died
    mid-send are reported. Returns counts.
    """
    at = now or clock.now()
    counts = {"overdue": 0, "due_soon": 0, "messages": 0, "redelivered": 0, "interrupted": 0}
    if not enabled():
        return counts
    settings = UnitAlertSettings.current()
    for kind, key in ((UnitAlertKind.OVERDUE, "overdue"), (UnitAlertKind.DUE_SOON, "due_soon")):
        scope = settings.scope(kind)
        if scope == AlertScope.OFF:
            continue
        for unit, assignments in _by_unit(_lit(kind, at, scope, settings.since(kind))):
            written, note = _record(kind, unit, assignments)
            counts[key] += len(assignments) if written else 0
            if note is not None and deliver_claimed(note) is not None:
                counts["messages"] += 1
    counts["redelivered"] = redeliver_queued(at)
    counts["interrupted"] = report_interrupted(at)
    return counts


def _pressing(prefix: str = "") -> Q:
    """`is_pressing` in SQL: 紧急 or 较急, or the 水电气热 flag on the category or a level above (three at most)."""
    q = Q(**{f"{prefix}urgency__in": list(PRESSING_URGENCY)})
    for level in range(MAX_LEVEL):
        q |= Q(**{f"{prefix}category__{'parent__' * level}is_utility": True})
    return q


def _lit(kind: str, at: datetime, scope: str, since: datetime | None) -> QuerySet[Assignment]:
    """Running assignments in scope whose light is this kind's, lit since this kind was switched on, not yet
    alerted for this deadline; confidential orders never, nor an assisting unit's deadline the order's status
    makes moot (`sla.sweep.assist_moot`: it may not sign or reply now, so its light is frozen, not news)."""
    light, mark = (Light.RED, "phase_due") if kind == UnitAlertKind.OVERDUE else (Light.YELLOW, "phase_yellow_at")
    kinds = [kind] if kind == UnitAlertKind.OVERDUE else [kind, UnitAlertKind.OVERDUE]
    done = UnitAlert.objects.filter(assignment=OuterRef("pk"), kind__in=kinds, phase=OuterRef("phase_started_at"),
                                    due=OuterRef("phase_due"), event__isnull=True)
    found = Assignment.objects.filter(
        status__in=RUNNING, light=light, paused_at__isnull=True, phase_started_at__isnull=False,
        ticket__is_confidential=False, **{f"{mark}__lte": at}).exclude(assist_moot())
    if since is not None:
        found = found.filter(**{f"{mark}__gte": since})
    if scope == AlertScope.PRESSING:
        found = found.filter(_pressing("ticket__"))
    return (found.exclude(Exists(done))
            .select_related("ticket", "unit")
            .order_by("phase_due", "pk")[:MAX_PER_RUN])


def _by_unit(assignments: Iterable[Assignment]) -> list[tuple[HandlingUnit, list[Assignment]]]:
    """The assignments grouped by unit, each group in deadline order."""
    groups: dict[int, tuple[HandlingUnit, list[Assignment]]] = {}
    for a in assignments:
        groups.setdefault(a.unit_id, (a.unit, []))[1].append(a)
    return list(groups.values())


# --- Recording and delivering ----------------------------------------------------------------------


def _record(kind: str, unit: HandlingUnit, assignments: Sequence[Assignment], *,
            event: TimelineEvent | None = None) -> tuple[bool, Notification | None]:
    """Write the alert rows and (if the unit has a mobile) the queued SMS in one transaction.

    Returns (written, the SMS): not written when any of the alerts was written before (the unique
    constraint rolls this one back, SMS included); no SMS when the unit has no mobile number.
    """
    to = unit_texts.duty_mobile(unit)
    now = clock.now()
    try:
        with transaction.atomic():
            note = None
            if to:
                with translation.override(settings.LANGUAGE_CODE):  # the level's label too: Chinese, not the page's
                    subject, body = unit_texts.compose(kind, assignments, **_wording(kind, event))
                single = assignments[0].ticket if len(assignments) == 1 else None
                note = Notification.objects.create(
                    ticket=single, event=None, template=kind, recipient=Recipient.UNIT, unit=unit,
                    channel=Channel.SMS, to=to, subject=subject, body=body, created_at=now)
            UnitAlert.objects.bulk_create([
                UnitAlert(assignment=a, kind=kind, event=event, phase=None if event else a.phase_started_at,
                          due=None if event else a.phase_due, notification=note, created_at=now)
                for a in assignments])
    except IntegrityError:
        return False, None
    if not to:
        logger.warning("unit %s (%s) has no mobile duty phone: %d %s alert(s) not sent by SMS",
                       unit.pk, unit.name, len(assignments), kind)
    return True, note


def _wording(kind: str, event: TimelineEvent | None) -> dict:
    """What a step's alert says beyond the order (驳回退单, the chase, the supervision's level, how it came back);
    nothing for lights."""
    if event is None:
        return {}
    if kind == UnitAlertKind.CHASED:
        return {"chase": event.data or {}}
    if kind == UnitAlertKind.SUPERVISED:
        level = (event.data or {}).get("level")
        return {"level": str(SupervisionLevel(level).label) if level in SupervisionLevel.values else ""}
    if kind == UnitAlertKind.REHANDLE:
        return {"back": unit_texts.came_back(event)}
    return {"returned": event.action == Action.REJECT_RETURN, "withdrawn": event.action == Action.REASSIGN,
            "recalled": event.unit.name if event.action == Action.RECALL and event.unit else ""}


def deliver_claimed(note: Notification) -> Notification | None:
    """Send a queued unit alert if this caller claims it first (queued → sending); None if another did."""
    if not Notification.objects.filter(pk=note.pk, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING, claimed_at=clock.now()):
        return None
    message = Message(channel=note.channel, to=note.to, subject=note.subject, body=note.body,
                      ticket_id=note.ticket_id)
    return deliver(note, message)


def redeliver_queued(at: datetime | None = None) -> int:
    """Send the unit alerts still queued REDELIVER_AFTER after they were written (their sender crashed), if they
    are still news: written within REDELIVER_WITHIN and about orders the unit still has to act on. The others
    are marked failed with the reason (the admin shows them), never sent late."""
    now = at or clock.now()
    stale = list(Notification.objects.filter(recipient=Recipient.UNIT, status=DeliveryStatus.QUEUED,
                                              created_at__lt=now - REDELIVER_AFTER)
                 .order_by("created_at", "pk")[:MAX_PER_RUN])
    sent = 0
    for note in stale:
        reason = _no_longer_news(note, now)
        if reason:
            Notification.objects.filter(pk=note.pk, status=DeliveryStatus.QUEUED).update(
                status=DeliveryStatus.FAILED, error=reason)
        elif deliver_claimed(note) is not None:
            sent += 1
    return sent


def _no_longer_news(note: Notification, now: datetime) -> str:
    """Why a queued alert must not be sent late ("" if it may): too old, or no order in it still waits (for a
    收回下派 / 改派 notice: the unit was sent the order again meanwhile)."""
    if note.created_at < now - REDELIVER_WITHIN:
        return "未及时发送，已过时效，不再补发"
    waiting = UnitAlert.objects.filter(notification=note, assignment__status__in=RUNNING,
                                       assignment__ticket__is_confidential=False)
    if not waiting.exists() and not _still_withdrawn(note):
        return "所涉工单已不在本单位办理，不再补发"
    return ""


def _still_withdrawn(note: Notification) -> bool:
    """Whether a queued 收回下派 / 改派 notice (「…无需办理」) is still true: the unit was not sent the order again
    since (no running assignment of that unit on the order)."""
    again = Assignment.objects.filter(ticket=OuterRef("assignment__ticket_id"), unit=OuterRef("assignment__unit_id"),
                                      status__in=RUNNING)
    return UnitAlert.objects.filter(
        notification=note, event__action__in=WITHDRAWAL_ACTIONS, assignment__status=AssignmentStatus.WITHDRAWN,
        assignment__ticket__is_confidential=False).exclude(Exists(again)).exists()


def report_interrupted(at: datetime | None = None) -> int:
    """Mark failed the unit alerts whose sender died during the gateway call (sending for INTERRUPTED_AFTER):
    whether the SMS went out is unknown, so it is not sent again (a double is worse than a gap the admin shows)."""
    before = (at or clock.now()) - INTERRUPTED_AFTER
    return Notification.objects.filter(recipient=Recipient.UNIT, status=DeliveryStatus.SENDING,
                                       claimed_at__lt=before).update(
        status=DeliveryStatus.FAILED, error="发送中断，短信是否发出未知；为免重复未再发送")


def units_without_mobile() -> QuerySet[HandlingUnit]:
    """Units that can hold orders but have no mobile number in 联系电话 (their alerts reach nobody): the active
    ones, and the switched-off (停用) ones still holding unfinished orders, which are alerted about those orders
    as any unit is until the centre reassigns them (docs/lifecycle.md)."""
    from hotline.orgs.choices import UnitKind
    from hotline.orgs.selectors import holds_open_orders

    units = HandlingUnit.objects.filter(Q(is_active=True) | holds_open_orders(alerted_only=True)).exclude(
        kind=UnitKind.CENTRE)
    return units.filter(pk__in=[u.pk for u in units.only("pk", "phone") if not unit_texts.duty_mobile(u)])
