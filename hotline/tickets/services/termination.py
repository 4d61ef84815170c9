"""Termination of handling (终止办理): the lead unit applies, the centre decides after its written review.

A unit that cannot or need not go on (the citizen withdrew; the matter went to litigation, arbitration,
信访 or another legal procedure; the citizen cannot be reached and nothing can be verified; another
order handles the same matter) applies with a reason code and what it did. Only the centre's written
review ends the handling: approved, the order is 已终止办理 (finished, no reply and no return visit),
every clock stops and every unit is released; rejected, the order goes on and the unit reads why.

The citizen reads only the reason's label (「经热线中心审核，终止办理：…」), never the unit's own account
(it may quote call logs and phone numbers) nor the centre's review note.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.orgs.models import HandlingUnit
from hotline.sla import services as sla
from hotline.tickets.choices import (
    CITIZEN_TERMINATION_REASONS,
    Action,
    AssignmentRole,
    AssignmentStatus,
    Channel,
    Decision,
    Status,
    TerminationReason,
)
from hotline.tickets.exceptions import InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import Assignment, ReturnRequest, TerminationRequest, Ticket
from hotline.tickets.permissions import current_lead_id
from hotline.tickets.public_text import termination_notice
from hotline.tickets.services._core import Step, begin, move_assignment, releasable, service
from hotline.tickets.services.handling import close_pending_claims, close_pending_extensions

#: Why a unit may not apply again yet; the refusal and the order page say the same words.
TERMINATION_WAITS = gettext_lazy("该工单已有待审定的终止办理申请")

__all__ = ["CALLER_REASONS", "TERMINATION_WAITS", "apply_termination", "close_pending_terminations",
           "decide_termination", "merged_orders", "public_termination_text", "termination_waits"]

#: Reasons about the caller, not the matter: they end no other caller's order merged into this one (并单).
CALLER_REASONS = frozenset({TerminationReason.WITHDRAWN, TerminationReason.UNREACHABLE})


def public_termination_text(reason_code: str) -> str:
    """What the citizen reads of an approved termination: the reason's label, never the unit's account.

    Stored as the event's note in the centre's language; pages build it again in the reader's from the
    event's reason code (`public_text.termination_notice`).
    """
    with translation.override(settings.LANGUAGE_CODE):  # stored: the actor's UI language must not leak in
        return termination_notice(reason_code)


def merged_orders(ticket: Ticket) -> int:
    """How many orders are merged into this one (并单): their callers are answered through it."""
    return Ticket.objects.filter(master=ticket, status=Status.MERGED).count()


def pending_terminations(ticket: Ticket) -> QuerySet[TerminationRequest]:
    """The order's termination requests (终止办理申请) that still wait for the centre."""
    return TerminationRequest.objects.filter(ticket=ticket, status=Decision.PENDING)


def termination_waits(ticket: Ticket) -> bool:
    """Whether a termination request waits for the centre: one at a time per order."""
    return pending_terminations(ticket).exists()


def close_pending_terminations(ticket: Ticket, at: datetime, note: str) -> list[int]:
    """The handling the request was about is over another way: undecided requests close as not decided.

    Like `handling.close_pending_claims`: status 驳回 with `decided_by` empty and `note` saying why, so they
    leave the 待审批 queue. Returns their ids. For steps that end the round's handling another way: the
    lead's reply, 退回重办, 重新启用 (review.py), and 退单 and 并单.
    """
    closed = list(pending_terminations(ticket).values_list("pk", flat=True))
    if closed:
        TerminationRequest.objects.filter(pk__in=closed).update(status=Decision.REJECTED, decided_at=at,
                                                                decision_note=note)
    return closed


@service
def apply_termination(ticket: Ticket, *, actor: User, reason_code: str, reason: str,
                      unit: HandlingUnit | None = None) -> Ticket:
    """The lead unit of the current round applies to stop handling the order (申请终止办理); the centre decides.

    `reason` says what the unit did (e.g. the call attempts); it stays internal.
    """
    step = begin(ticket, Action.APPLY_TERMINATION, actor)
    assignment = step.assignment_for(unit, role=AssignmentRole.LEAD, statuses=[AssignmentStatus.SIGNED])
    if assignment.pk != current_lead_id(ticket):
        raise NotPermitted(_("只有本轮办理的主办单位可以申请终止办理"))
    if reason_code not in TerminationReason.values:
        raise RuleViolation(_("未知的终止办理原因「%(reason)s」") % {"reason": reason_code})
    if reason_code in CITIZEN_TERMINATION_REASONS and ticket.channel == Channel.PROACTIVE:
        raise RuleViolation(_("主动发现（未诉先办）的工单没有诉求人，不能以「%(reason)s」终止办理")
                            % {"reason": TerminationReason(reason_code).label})
    if not reason.strip():
        raise RuleViolation(_("请写明已做的工作和申请终止办理的理由"))
    if termination_waits(ticket):
        raise RuleViolation(str(TERMINATION_WAITS))
    request = TerminationRequest.objects.create(ticket=ticket, unit=assignment.unit, reason_code=reason_code,
                                                reason=reason, applicant=actor, applied_at=step.at)
    with translation.override(settings.LANGUAGE_CODE):
        label = str(TerminationReason(reason_code).label)
    return step.commit(note=f"申请终止办理（{label}）：{reason}",
                       data={"termination": request.pk, "reason_code": reason_code, "reason": reason})


def _end_handling(step: Step) -> dict:
    """Release every unit holding the order and stop every clock; the round's open requests close undecided."""
    ticket = step.ticket
    ended = []
    for a in Assignment.objects.select_for_update().filter(releasable(), ticket=ticket):
        # A unit still handling past its reply deadline (a paused deadline: past when the pause began) was
        # late, whatever the centre decides now: the sticky flag keeps it, so 按时办结率 still counts it.
        if a.status == AssignmentStatus.SIGNED and a.reply_due is not None and a.reply_due < (a.paused_at or step.at):
            a.reply_overdue = True
        # An assisting unit that gave its reply did its part (已完成); everyone else's handling ends (已撤回).
        # Either move settles a pause the unit still carries (`sla.settle_pause`): a unit still to sign is
        # 签收超期 only if its sign deadline had passed when the pause began, as the indicators read it.
        move_assignment(a, AssignmentStatus.COMPLETED if a.status == AssignmentStatus.REPLIED
                        else AssignmentStatus.WITHDRAWN)
        a.ended_at = step.at
        if close_pending_extensions(a, step.at, "工单已终止办理，延期申请不再审批"):
            a.reply_overdue = a.reply_overdue or (a.replied_at or step.at) > a.reply_due  # as if denied
        sla.stop_phase(a)
        step.touch(a)
        ended.append(a.pk)
    ReturnRequest.objects.filter(ticket=ticket, status=Decision.PENDING).update(
        status=Decision.REJECTED, decided_at=step.at, decision_note="工单已终止办理")
    claims = close_pending_claims(ticket, step.at, "工单已终止办理，申请不再审定")
    ticket.closed_at = step.at
    ticket.paused_at = None
    sla.stop_phase(ticket)
    return {"assignments_ended": ended, **({"claims_closed": claims} if claims else {})}


@service
def decide_termination(ticket: Ticket, *, actor: User, approve: bool, note: str) -> Ticket:
    """The centre decides a termination request after its written review (审定终止办理).

    Approved: the order is 已终止办理 — not a completion, nobody is visited — and the citizen is told the
    reason's label, and so are the callers of the orders merged into it. A reason about the caller (撤回,
    无法联系) cannot be approved while other orders are merged into it: their callers' handling goes on.
    Rejected: the order goes on as it was, and the unit reads the centre's note.
    """
    step = begin(ticket, Action.DECIDE_TERMINATION, actor)
    if not note.strip():
        raise RuleViolation(_("请填写审核意见（书面审核）"))
    request = pending_terminations(ticket).select_for_update().first()
    if request is None:
        raise InvalidTransition(_("没有待审定的终止办理申请"))
    if approve and request.reason_code in CALLER_REASONS and (merged := merged_orders(ticket)):
        # Only this order's caller withdrew or cannot be reached: the callers merged into it still wait.
        label = TerminationReason(request.reason_code).label
        raise RuleViolation(_("已有%(count)s张工单并入本工单，其诉求人仍在等待答复，不能以「%(reason)s」终止办理："
                              "请驳回申请，由承办单位继续办理") % {"count": merged, "reason": label})
    request.status = Decision.APPROVED if approve else Decision.REJECTED
    request.decided_by, request.decided_at, request.decision_note = actor, step.at, note
    request.save()
    data = {"termination": request.pk, "approved": approve, "reason_code": request.reason_code, "note": note}
    if not approve:
        return step.commit(ticket.status, note=f"不同意终止办理：{note}", data=data)
    data |= _end_handling(step)
    return step.commit(Status.TERMINATED, note=public_termination_text(request.reason_code), data=data, public=True)
