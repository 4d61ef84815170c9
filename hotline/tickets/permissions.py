"""Which lifecycle steps a person may offer to take on an order right now (for pages and the API).

The services remain the authority — they re-check everything under the row lock. This module answers
"which buttons to show" from the same transition table, the actor's role, their unit's assignment and
the pending records a decision needs, in a handful of queries.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.tickets.choices import (
    ACTIVE_ASSIGNMENT,
    Action,
    AssignmentRole,
    AssignmentStatus,
    Channel,
    ConsultationStatus,
    Decision,
    Status,
)
from hotline.tickets.models import (
    Appeal,
    Assignment,
    Consultation,
    Extension,
    Opinion,
    ReturnRequest,
    TerminationRequest,
    Ticket,
    UnreasonableClaim,
)
from hotline.tickets.transitions import TRANSITIONS

#: For unit actions: the role and statuses of the actor's own assignment that the step needs.
_UNIT_NEEDS: dict[str, tuple[str | None, set[str]]] = {
    Action.SIGN: (AssignmentRole.LEAD, {AssignmentStatus.PENDING_SIGN}),
    Action.SIGN_ASSIST: (AssignmentRole.ASSIST, {AssignmentStatus.PENDING_SIGN}),
    Action.RETURN: (AssignmentRole.LEAD, {AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED}),
    Action.FORWARD: (AssignmentRole.LEAD, {AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED}),
    Action.RECALL: (AssignmentRole.LEAD, {AssignmentStatus.FORWARDED}),
    Action.REQUEST_EXTENSION: (None, {AssignmentStatus.SIGNED}),
    Action.REQUEST_INFO: (AssignmentRole.LEAD, {AssignmentStatus.SIGNED}),
    Action.RESUME: (AssignmentRole.LEAD, {AssignmentStatus.SIGNED}),
    Action.REPLY: (AssignmentRole.LEAD, {AssignmentStatus.SIGNED}),
    Action.ASSIST_REPLY: (AssignmentRole.ASSIST, {AssignmentStatus.SIGNED}),
    Action.APPLY_UNREASONABLE: (AssignmentRole.LEAD, {AssignmentStatus.SIGNED, AssignmentStatus.REPLIED,
                                                      AssignmentStatus.COMPLETED}),
    Action.APPEAL: (AssignmentRole.LEAD, {AssignmentStatus.COMPLETED}),
    Action.APPLY_TERMINATION: (AssignmentRole.LEAD, {AssignmentStatus.SIGNED}),
    Action.ATTACH: (None, set(ACTIVE_ASSIGNMENT)),
}

#: Centre decisions that need a pending record to decide on.
_PENDING: dict[str, type] = {
    Action.ACCEPT_RETURN: ReturnRequest,
    Action.REJECT_RETURN: ReturnRequest,
    Action.APPROVE_EXTENSION: Extension,
    Action.DENY_EXTENSION: Extension,
    Action.DECIDE_UNREASONABLE: UnreasonableClaim,
    Action.DECIDE_APPEAL: Appeal,
    Action.DECIDE_TERMINATION: TerminationRequest,
}

#: The consultation steps (会商): offered by whether a consultation is open, and to whom it asked.
_CONSULTING = frozenset({Action.CONSULT, Action.GIVE_OPINION, Action.CONCLUDE_CONSULTATION,
                         Action.WITHDRAW_CONSULTATION})

#: Steps that are never offered as a button of their own.
_NOT_OFFERED = {Action.REGISTER, Action.MERGE_INTO}


def current_lead_id(ticket: Ticket) -> int | None:
    """The order's newest lead (主办) assignment: the unit of the current round (after a reopen, the new one).

    Within a round, 下派 moves the lead down, and a return up or 收回下派 moves it back up: neither the unit
    that handed the order down (已下派) nor one that gave it back up or had it taken back speaks for it then.
    """
    return (Assignment.objects.filter(ticket=ticket, role=AssignmentRole.LEAD)
            .exclude(status=AssignmentStatus.FORWARDED)
            .exclude(status__in=[AssignmentStatus.RETURNED, AssignmentStatus.WITHDRAWN], forwarded_from__isnull=False)
            .order_by("-dispatched_at", "-id").values_list("pk", flat=True).first())


def lead_reply_stands(ticket: Ticket, assignment_status: str) -> bool:
    """Whether the lead of the current round may still speak for the order (e.g. apply for 不合理诉求).

    A completed (已完成) lead only while the order stays closed: once reopened, its reply no longer stands.
    """
    return assignment_status != AssignmentStatus.COMPLETED or ticket.status == Status.CLOSED


def available_actions(ticket: Ticket, user: User) -> list[str]:
    """The actions this person may take on this order now, in the table's order."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    candidates = [
        action for action, row in TRANSITIONS.items()
        if action not in _NOT_OFFERED and ticket.status in row.sources and user.role in row.roles
        and not (row.citizens_only and ticket.channel == Channel.PROACTIVE)
    ]
    if not candidates:
        return []
    mine: list[tuple[str, str, bool, int, datetime, str]] = []
    current_lead = None
    if any(TRANSITIONS[a].by_unit for a in candidates) and not user.is_centre_staff:
        mine = list(Assignment.objects.filter(ticket=ticket, unit__memberships__user=user)
                    .values_list("role", "status", "is_designated", "pk", "return_due", "unit__path"))
        if {Action.APPLY_UNREASONABLE, Action.APPLY_TERMINATION} & set(candidates) and mine:
            current_lead = current_lead_id(ticket)
    now = clock.now()
    pending = {model for a, model in _PENDING.items() if a in candidates}
    has_pending = {model: model.objects.filter(ticket=ticket, status=Decision.PENDING).exists()
                   for model in pending}
    consulting = _consulting_offers(ticket, user) if _CONSULTING & set(candidates) else set()
    result = []
    for action in candidates:
        if action in _PENDING and not has_pending[_PENDING[action]]:
            continue
        if action in _CONSULTING and action not in consulting:
            continue
        if TRANSITIONS[action].by_unit and not user.is_centre_staff:
            role, statuses = _UNIT_NEEDS[action]
            ok = [m for m in mine if (role is None or m[0] == role) and m[1] in statuses]
            if action == Action.RETURN:  # not designated, and within the return window (退单时限)
                ok = [m for m in ok if not m[2] and now <= m[4]]
            elif action == Action.APPLY_UNREASONABLE:
                ok = [m for m in ok if m[3] == current_lead and lead_reply_stands(ticket, m[1])]
            elif action == Action.APPLY_TERMINATION:  # the current round's lead only
                ok = [m for m in ok if m[3] == current_lead]
            elif action == Action.FORWARD:  # 下派: only a unit with active units below it
                from hotline.tickets.services.forwarding import units_below  # services import this module

                ok = [m for m in ok if units_below(m[5]).exists()]
            elif action == Action.RECALL:  # 收回下派: the unit below has not signed yet
                ok = [m for m in ok if Assignment.objects.filter(
                    forwarded_from_id=m[3], status=AssignmentStatus.PENDING_SIGN).exists()]
            if not ok:
                continue
        result.append(action)
    return result


def _consulting_offers(ticket: Ticket, user: User) -> set[str]:
    """Which consultation steps fit the order now: start one (none open; never on a confidential order, which
    no unit handles), or conclude or withdraw it and, for a member of an invited unit still active, give the
    unit's opinion (one open)."""
    open_id = (Consultation.objects.filter(ticket=ticket, status=ConsultationStatus.OPEN)
               .values_list("pk", flat=True).first())
    if open_id is None:
        return set() if ticket.is_confidential else {Action.CONSULT}
    offers = {Action.CONCLUDE_CONSULTATION, Action.WITHDRAW_CONSULTATION}
    if Opinion.objects.filter(consultation_id=open_id, unit__memberships__user=user, unit__is_active=True).exists():
        offers.add(Action.GIVE_OPINION)
    return offers


#: The assignments whose unit works on the order now (待签收, 办理中): the units that must contact the citizen.
WORKING_ASSIGNMENT = frozenset({AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED})


def may_reveal_caller(ticket: Ticket, user: User) -> str | None:
    """Why this person may not see the caller's full number to contact the citizen (联系群众), or None if they may.

    Only staff of a unit that works on the order now (its lead or assisting assignment 待签收 or 办理中) may:
    not a unit that returned, handed down (下派) or finished its part, nor a unit above it, nor a unit only
    consulted (会商). A unit switched off since keeps the orders it holds, and so this too (docs/lifecycle.md).
    Never an anonymous (匿名) caller's nor a 举报's reporter's (`Ticket.identity_withheld`: the centre passes messages
    on), nor on an order without a number. Centre staff already see the full
    number. Each reveal is recorded (`hotline.ops.access.phone_shown`) by the view.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return str(_("请先登录"))
    if user.is_centre_staff:
        return str(_("中心人员已可查看完整号码"))
    if not user.is_unit_staff or not Assignment.objects.filter(
            ticket=ticket, unit__memberships__user=user, status__in=WORKING_ASSIGNMENT).exists():
        return str(_("只有正在办理该工单的承办单位可以查看群众的完整号码"))
    if ticket.is_anonymous:
        return str(_("来电人要求匿名，不能查看其号码；如需联系群众，请联系热线中心转达"))
    if ticket.identity_withheld:  # a 举报: the unit may be the one reported on (docs/security.md)
        return str(_("举报人信息保密，不能查看其号码；如需联系举报人，请联系热线中心转达"))
    if not (ticket.caller_phone or "").strip():
        return str(_("该工单没有来电号码"))
    return None
