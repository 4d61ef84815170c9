"""The centre's checks on a unit's work: reply review (审核), return visit (回访), re-handling (重办), reopening."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.core.entered import visible
from hotline.sla import services as sla
from hotline.sla.sweep import assist_clock_moot
from hotline.tickets.choices import (
    ACTIVE_ASSIGNMENT,
    Action,
    AssignmentRole,
    AssignmentStatus,
    Decision,
    Satisfaction,
    Status,
    VisitMethod,
)
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Assignment, Extension, Reply, ReturnVisit, Ticket, VisitSettings
from hotline.tickets.services._core import Step, begin, move_assignment, service
from hotline.tickets.services.handling import claims_of, close_pending_claims, close_pending_extensions
from hotline.tickets.services.termination import close_pending_terminations
from hotline.tickets.transitions import TRANSITIONS


def _pending_reply(ticket: Ticket) -> Reply:
    found = Reply.objects.select_for_update().filter(
        ticket=ticket, assignment__role=AssignmentRole.LEAD, review_status=Decision.PENDING).last()
    if found is None:
        raise RuleViolation(_("没有待审核的答复"))
    return found


#: Why a reply may not be reviewed yet, told to one who may decide the extension; refusal and order page agree.
EXTENSION_FIRST = gettext_lazy("主办单位在答复时限前申请的延期尚待审批，请先批准或驳回延期")

#: The same, told to a reviewer who may not decide extensions (质检员): who must act first.
EXTENSION_FIRST_BY_DISPATCH = gettext_lazy("主办单位在答复时限前申请的延期尚待派单员审批，批准或驳回后方可审核")


def _extension_first(actor: User | None) -> str:
    """The words of the hold for this reviewer: decide the request yourself, or wait for the dispatch desk."""
    deciders = TRANSITIONS[Action.APPROVE_EXTENSION].roles
    return EXTENSION_FIRST if actor is None or actor.role in deciders else EXTENSION_FIRST_BY_DISPATCH


def _lateness_awaits_extension(lead: Assignment) -> bool:
    """Whether the lead replied late while a request it filed before its reply deadline still waits (延期待批)."""
    return (lead.replied_at is not None and lead.replied_at > lead.reply_due and Extension.objects.filter(
        assignment=lead, status=Decision.PENDING, requested_at__lt=lead.reply_due).exists())


def review_blocker(ticket: Ticket, actor: User | None = None) -> str | None:
    """Why the lead's pending reply may not be reviewed (审核通过 / 退回重办) yet by `actor`, or None when it may.

    The one rule both the review services and the order page ask (`holds.held_steps`): the centre
    first decides the extension request that says whether the reply was late.
    """
    answer = Reply.objects.filter(ticket=ticket, assignment__role=AssignmentRole.LEAD,
                                  review_status=Decision.PENDING).select_related("assignment").last()
    if answer is None or not _lateness_awaits_extension(answer.assignment):
        return None
    return str(_extension_first(actor))


def _end_extension_requests(step: Step, answer: Reply) -> dict:
    """The lead's reply is reviewed: its still undecided extension requests close, unless one decides its lateness.

    A reply after the deadline made while a request filed before it waited is late or not by the
    centre's decision on that request (docs/sla.md §8), so that decision must come first. Returns the
    timeline data naming the closed requests.
    """
    lead = Assignment.objects.get(pk=answer.assignment_id)
    if _lateness_awaits_extension(lead):
        raise RuleViolation(str(_extension_first(step.actor)))
    closed = close_pending_extensions(lead, step.at, "答复已审核，延期申请不再审批")
    return {"extensions_closed": closed} if closed else {}


@service
def approve_reply(ticket: Ticket, *, actor: User, note: str = "") -> Ticket:
    """The centre accepts the lead unit's reply (审核通过); the order waits for the return visit."""
    step = begin(ticket, Action.APPROVE_REPLY, actor)
    answer = _pending_reply(ticket)
    answer.review_status, answer.reviewed_by, answer.reviewed_at, answer.review_note = (
        Decision.APPROVED, actor, step.at, note)
    answer.save()
    ended = _end_extension_requests(step, answer)
    return step.commit(Status.AWAITING_VISIT, note=answer.public_reply or "答复已审核", public=True,
                       data={"reply": answer.pk, **ended})


def _rehandle(step: Step, reason: str, data: dict | None = None) -> Ticket:
    """Send the order back to its lead unit with a fresh reply deadline (重办)."""
    ticket = step.ticket
    lead = step.lead()
    move_assignment(lead, AssignmentStatus.SIGNED)
    lead.replied_at = None
    policy = ticket.sla_policy or sla.policy_for(ticket)
    sla.restart_reply_clock(lead, policy, step.at)
    step.touch(lead)
    ticket.rehandle_count += 1
    sla.start_phase(ticket, started_at=ticket.phase_started_at or step.at, due=ticket.close_due,
                    basis=ticket.close_basis, ratio=float(policy.yellow_ratio))
    ticket.light = sla.light_at(ticket.phase_yellow_at, ticket.phase_due, step.at)
    sla.flag_if_red(ticket)
    return step.commit(Status.IN_PROGRESS, note=reason, data=data, public=True)


@service
def send_back(ticket: Ticket, *, actor: User, reason: str) -> Ticket:
    """The centre rejects the reply and sends the order back for re-handling (退回重办), with the reason
    (one a reader can see: only zero-width characters is no reason)."""
    step = begin(ticket, Action.SEND_BACK, actor)
    if not visible(reason).strip():
        raise RuleViolation(_("退回重办须说明理由"))
    answer = _pending_reply(ticket)
    answer.review_status, answer.reviewed_by, answer.reviewed_at, answer.review_note = (
        Decision.REJECTED, actor, step.at, reason)
    answer.save()
    data = _end_extension_requests(step, answer)
    if closed := close_pending_terminations(ticket, step.at, "答复已退回重办，终止办理申请不再审定"):
        data["terminations_closed"] = closed  # one made before the reply (older data): that round is over
    return _rehandle(step, f"退回重办：{reason}", data or None)


def _finish(step: Step, note: str, data: dict) -> Ticket:
    """Close the order (办结): every active assignment ends (replied ones completed), every clock stops.

    A unit's request the centre could still have decided closes as if denied: late if its deadline has passed.
    Not an assisting unit's whose step was closed (`sla.sweep.assist_clock_moot`, 待回访): it is withdrawn
    without blame, as the sweep left it (docs/sla.md §6).
    """
    ticket = step.ticket
    for a in Assignment.objects.select_for_update().filter(ticket=ticket, status__in=ACTIVE_ASSIGNMENT):
        moot = assist_clock_moot(a, ticket.status)  # the sweep stopped judging it: the centre could not decide
        if a.status == AssignmentStatus.REPLIED:
            move_assignment(a, AssignmentStatus.COMPLETED)
        else:
            move_assignment(a, AssignmentStatus.WITHDRAWN)
        a.ended_at = step.at
        if close_pending_extensions(a, step.at, "工单已办结，延期申请不再审批") and not moot:
            a.reply_overdue = a.reply_overdue or (a.replied_at or step.at) > a.reply_due  # as if denied
        sla.stop_phase(a)
        step.touch(a)
    ticket.closed_at = step.at
    ticket.close_overdue = ticket.close_overdue or (ticket.close_due is not None and step.at > ticket.close_due)
    sla.stop_phase(ticket)
    return step.commit(Status.CLOSED, note=note, data=data, public=True)


def failed_attempts(ticket: Ticket) -> int:
    """This round's return-visit calls that did not reach the citizen: since the lead's reply was last approved."""
    approved = Reply.objects.filter(ticket=ticket, assignment__role=AssignmentRole.LEAD,
                                    review_status=Decision.APPROVED).order_by("-reviewed_at").first()
    visits = ReturnVisit.objects.filter(ticket=ticket, contacted=False).exclude(method=VisitMethod.VERIFY)
    if approved is not None and approved.reviewed_at is not None:
        visits = visits.filter(created_at__gte=approved.reviewed_at)
    return visits.count()


def has_phone_to_call(ticket: Ticket) -> bool:
    """Whether anyone can be called back about the order: its caller, or a caller merged into it (并单).

    The callers of orders merged into a master are answered through it and wait for its visit, as the
    termination rule for 无法联系 knows (`termination.decide_termination`).
    """
    return bool(ticket.caller_phone) or Ticket.objects.filter(master=ticket, status=Status.MERGED).exclude(
        caller_phone="").exists()


def visit_attempt_limit(ticket: Ticket) -> int:
    """After how many unanswered calls the order closes as unreachable: the centre's setting; 1 when nobody has
    a phone (neither the order's caller nor any caller merged into it)."""
    return _attempt_limit(has_phone_to_call(ticket))


def _attempt_limit(phone: bool) -> int:
    return VisitSettings.current().max_attempts if phone else 1


def _not_reached(step: Step, note: str) -> Ticket:
    """A call that did not reach the citizen: the order waits for the next, or closes at the centre's limit.

    Closed this way the order has no valid return visit (有效回访): 响应率, 解决率 and 满意率 do not count
    it, and 回访率 counts it as not visited.
    """
    ticket = step.ticket
    attempt = failed_attempts(ticket)  # this call's record is already written
    data = {"contacted": False, "attempt": attempt}
    phone = has_phone_to_call(ticket)
    if attempt < _attempt_limit(phone):
        return step.commit(Status.AWAITING_VISIT, note=note or "回访未联系上", data=data)
    data["unreachable"] = True
    if not phone:
        reason = "无联系电话，无法回访，工单办结（不计入有效回访）"
    else:
        reason = f"回访{attempt}次未联系上群众，工单办结（不计入有效回访）"
    return _finish(step, f"{reason}：{note}" if note else reason, data)


def _verify(step: Step, resolved: bool | None, note: str) -> Ticket:
    """现场核查 of a proactive order (主动发现): nobody called, so the centre checks the result itself."""
    if resolved is None:
        raise RuleViolation(_("现场核查须记录问题是否已解决"))
    ReturnVisit.objects.create(ticket=step.ticket, visitor=step.actor, created_at=step.at,
                               method=VisitMethod.VERIFY, contacted=False, resolved=resolved, note=note)
    data = {"verified": True, "resolved": resolved}
    if resolved:
        return _finish(step, note or "现场核查：问题已解决，办结", data)
    return _rehandle(step, note or "现场核查：问题未解决，退回重办", data)


def _unit_contact(visit: ReturnVisit) -> dict[str, bool]:
    """The citizen's answer on the unit's contact for the event data, and the contradiction with the reply if any."""
    if visit.unit_contacted is None:
        return {}
    return {"unit_contacted": visit.unit_contacted, **({"contact_disputed": True} if visit.contact_disputed else {})}


@service
def record_return_visit(ticket: Ticket, *, actor: User, contacted: bool, resolved: bool | None = None,
                        satisfaction: str = "", method: str = VisitMethod.PHONE, note: str = "",
                        unit_contacted: bool | None = None) -> Ticket:
    """Call the citizen back (回访). Resolved and (basically) satisfied, or resolved with no opinion on
    satisfaction (未表态), closes the order; not resolved or unsatisfied is 重办.

    `unit_contacted` is the citizen's answer to 「承办单位是否联系过您？」 (None: not asked or not answered;
    kept only when the citizen was reached), the source of 响应率. A "no" while the lead's approved reply
    claimed 已联系群众 is flagged in the event data (`contact_disputed`) for the centre.

    Not reached: the attempt is recorded and the order keeps waiting for a visit, until the centre's
    number of attempts (回访设置; one without a phone) closes it as unreachable. An order whose demand
    the centre judged unreasonable (不合理诉求) closes whatever the citizen answers. A proactive order
    (主动发现, nobody called) is checked on site instead (现场核查): resolved closes it, not resolved is 重办.
    """
    step = begin(ticket, Action.RETURN_VISIT, actor)
    proactive = ticket.is_proactive
    if proactive and method != VisitMethod.VERIFY:
        raise RuleViolation(_("主动发现的工单没有来电群众，由中心现场核查（回访方式选「现场核查」）"))
    if method == VisitMethod.VERIFY and not proactive:
        raise RuleViolation(_("现场核查只用于主动发现的工单；群众的诉求须回访群众本人"))
    if proactive:
        return _verify(step, resolved, note)
    if contacted and (resolved is None or satisfaction not in Satisfaction.values):
        raise RuleViolation(_("联系上群众时须记录是否解决和满意度"))
    visit = ReturnVisit.objects.create(
        ticket=ticket, visitor=actor, created_at=step.at, method=method, contacted=contacted,
        resolved=resolved if contacted else None, satisfaction=satisfaction if contacted else "", note=note,
        unit_contacted=unit_contacted if contacted else None)
    if not contacted:
        return _not_reached(step, note)
    unreasonable = claims_of(step.lead()).filter(status=Decision.APPROVED).exists()  # this round's claim only
    # Resolved without an opinion (未表态) closes too: 重办 is for a problem not solved or a citizen unsatisfied
    # (domain.md step 6); the visit is not a valid one, so no satisfaction figure counts it either way.
    good = resolved and satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.NO_OPINION)
    data = {"contacted": True, "resolved": resolved, "satisfaction": satisfaction, **_unit_contact(visit)}
    if good or unreasonable:
        label = Satisfaction(satisfaction).label
        return _finish(step, note or f"回访：{label}，办结", data)
    verdict = "未解决" if not resolved else Satisfaction(satisfaction).label
    return _rehandle(step, note or f"回访{verdict}，退回重办", data)


@service
def reopen(ticket: Ticket, *, actor: User, reason: str) -> Ticket:
    """Reopen a finished order (重新启用) — the problem came back; it returns to dispatch with its history.

    The next dispatch sets a fresh closing deadline. `close_overdue` stays: it records that the order
    closed late before (sticky, like every overdue flag). Claims of the earlier round (不合理诉求) stay
    that round's: the next unit's return visit and assessment do not see them, and its
    claims still undecided close now (驳回, decided by nobody), like the round's extension requests and
    termination requests (终止办理).
    """
    step = begin(ticket, Action.REOPEN, actor)
    if not reason.strip():
        raise RuleViolation(_("重新启用须说明理由"))
    ticket.reopen_count += 1
    ticket.closed_at = None
    ticket.close_due = None
    Extension.objects.filter(ticket=ticket, status=Decision.PENDING).update(
        status=Decision.REJECTED, decided_at=step.at, decision_note="工单已重新启用，延期申请不再审批")
    claims = close_pending_claims(ticket, step.at, "工单已重新办理，申请不再审定")
    terminations = close_pending_terminations(ticket, step.at, "工单已重新办理，终止办理申请不再审定")
    sla.stop_phase(ticket)
    data = {**({"claims_closed": claims} if claims else {}),
            **({"terminations_closed": terminations} if terminations else {})}
    return step.commit(Status.PENDING_DISPATCH, note=reason, public=True, data=data or None)
