"""What a handling unit does with an order: sign, ask the citizen, ask for time, reply, flag a claim."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.core.entered import visible
from hotline.orgs.models import HandlingUnit
from hotline.sla import services as sla
from hotline.tickets.choices import (
    Action,
    AssignmentRole,
    AssignmentStatus,
    Decision,
    Status,
)
from hotline.tickets.constants import MAX_EXTENSION_DAYS
from hotline.tickets.exceptions import InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import Assignment, Extension, Reply, Ticket, UnreasonableClaim
from hotline.tickets.permissions import current_lead_id, lead_reply_stands
from hotline.tickets.services._core import begin, move_assignment, service


def _role_of_actor(ticket: Ticket, actor: User, unit: HandlingUnit | None) -> str | None:
    qs = Assignment.objects.filter(ticket=ticket, status=AssignmentStatus.PENDING_SIGN,
                                   unit__memberships__user=actor)
    if unit is not None:
        qs = qs.filter(unit=unit)
    roles = set(qs.values_list("role", flat=True))
    return AssignmentRole.LEAD if AssignmentRole.LEAD in roles else (roles.pop() if roles else None)


@service
def sign(ticket: Ticket, *, actor: User, unit: HandlingUnit | None = None) -> Ticket:
    """The unit accepts the order (签收); for the lead the order moves to handling and the reply clock runs."""
    role = _role_of_actor(ticket, actor, unit)
    action = Action.SIGN_ASSIST if role == AssignmentRole.ASSIST else Action.SIGN
    step = begin(ticket, action, actor)
    assignment = step.assignment_for(unit, role=role or AssignmentRole.LEAD,
                                     statuses=[AssignmentStatus.PENDING_SIGN])
    policy = ticket.sla_policy or sla.policy_for(ticket)
    move_assignment(assignment, AssignmentStatus.SIGNED)
    assignment.signed_at, assignment.signed_by = step.at, actor
    # An assisting unit signing while the order waits for the citizen (待群众补充): its clock was stopped too,
    # so it is judged against its sign deadline moved by the pause so far; its reply clock then starts
    # stopped, like every signed unit's, and the order's resume shifts it by the rest of the pause.
    sla.resume_signing(assignment, policy, step.at, running=False)
    assignment.sign_overdue = assignment.sign_overdue or step.at > assignment.sign_due
    sla.start_reply_phase(assignment, policy, step.at)
    if ticket.paused_at is not None:
        sla.pause([assignment], step.at)
    step.touch(assignment)
    overdue = "（超时签收）" if assignment.sign_overdue else ""
    if action == Action.SIGN_ASSIST:
        return step.commit(note=f"{assignment.unit}协办签收{overdue}")
    return step.commit(Status.IN_PROGRESS, note=f"{assignment.unit}签收{overdue}", public=True)


@service
def request_info(ticket: Ticket, *, actor: User, question: str, unit: HandlingUnit | None = None) -> Ticket:
    """Ask the citizen for more information (请群众补充); the clock stops until `resume`."""
    step = begin(ticket, Action.REQUEST_INFO, actor)
    step.assignment_for(unit, role=AssignmentRole.LEAD, statuses=[AssignmentStatus.SIGNED])
    if not question.strip():
        raise RuleViolation(_("请写明需要群众补充的内容"))
    # Every unit whose clock runs stops: the signed ones (办理中) and the assisting ones still to sign (待签收).
    running = list(Assignment.objects.select_for_update().filter(
        ticket=ticket, status__in=[AssignmentStatus.SIGNED, AssignmentStatus.PENDING_SIGN]))
    sla.pause([ticket, *running], step.at)
    step.touch(*running)
    return step.commit(Status.AWAITING_CITIZEN, note=question, public=True)


@service
def resume(ticket: Ticket, *, actor: User, note: str = "", unit: HandlingUnit | None = None) -> Ticket:
    """The citizen answered (or the wait ended): restart the clock, deadlines shifted by the pause."""
    step = begin(ticket, Action.RESUME, actor)
    if not actor.is_centre_staff:
        step.assignment_for(unit, role=AssignmentRole.LEAD, statuses=[AssignmentStatus.SIGNED])
    # Only the assignments still running (办理中, or 协办待签收) shift: an assisting unit that replied meanwhile
    # restarted its own clock at its reply (`reply`), one that signed meanwhile had its sign deadline moved
    # then and shifts its reply clock from its signing (`sign`), and an ended one's deadline is history.
    paused = list(Assignment.objects.select_for_update().filter(ticket=ticket, paused_at__isnull=False))
    running = [a for a in paused if a.status in (AssignmentStatus.SIGNED, AssignmentStatus.PENDING_SIGN)]
    seconds = sla.resume(ticket, running, step.at)
    for a in paused:
        a.paused_at = None  # an ended one only loses its pause mark
    step.touch(*paused)
    return step.commit(Status.IN_PROGRESS, note=note, data={"paused_seconds": round(seconds)}, public=True)


#: Why a unit may not ask for time again yet; the refusal and the order page (`holds`) say the same words.
EXTENSION_WAITS = gettext_lazy("已有待审批的延期申请")

#: Why the lead may not apply for 不合理诉求 again in this round; refusal and order page say the same words.
CLAIM_STANDS = gettext_lazy("该工单已有不合理诉求申请")


def extension_waits(assignment: Assignment) -> bool:
    """Whether the assignment's own extension request (延期申请) still waits for the centre: one at a time."""
    return Extension.objects.filter(assignment=assignment, status=Decision.PENDING).exists()


def claim_stands(assignment: Assignment) -> bool:
    """Whether this round's claim (不合理诉求) is pending or granted; after a refusal the unit may apply again."""
    return claims_of(assignment).filter(status__in=[Decision.PENDING, Decision.APPROVED]).exists()


@service
def request_extension(ticket: Ticket, *, actor: User, days: int, reason: str,
                      unit: HandlingUnit | None = None) -> Ticket:
    """Ask the centre for more working days (申请延期), with the reason the citizen will be told."""
    step = begin(ticket, Action.REQUEST_EXTENSION, actor)
    assignment = step.assignment_for(unit, statuses=[AssignmentStatus.SIGNED])
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise RuleViolation(_("延期天数须在 1 至 %(days)s 个工作日之间") % {"days": MAX_EXTENSION_DAYS})
    if not reason.strip():
        raise RuleViolation(_("请填写延期理由"))
    if extension_waits(assignment):
        raise RuleViolation(str(EXTENSION_WAITS))
    extension = Extension.objects.create(ticket=ticket, assignment=assignment, days=days, reason=reason,
                                         requested_by=actor, requested_at=step.at)
    return step.commit(note=f"申请延期 {days} 个工作日：{reason}", data={"extension": extension.pk})


def close_pending_extensions(assignment: Assignment, at: datetime, note: str) -> list[int]:
    """The assignment's handling is over: its undecided extension requests are closed as not granted.

    Nobody decided them (`decided_by` stays empty; `note` says why), so they no longer hold a deadline
    in the sweep nor wait for the centre. Returns their ids, for the step's timeline event.
    """
    closed = list(Extension.objects.filter(assignment=assignment, status=Decision.PENDING)
                  .values_list("pk", flat=True))
    if closed:
        Extension.objects.filter(pk__in=closed).update(status=Decision.REJECTED, decided_at=at, decision_note=note)
    return closed


def _timely_request(assignment: Assignment) -> Extension | None:
    """The assignment's undecided request filed in its running phase before its reply deadline (it holds it)."""
    if assignment.phase_started_at is None:
        return None
    return Extension.objects.filter(assignment=assignment, status=Decision.PENDING,
                                    requested_at__gte=assignment.phase_started_at,
                                    requested_at__lt=assignment.reply_due).first()


def _judge_reply(assignment: Assignment) -> None:
    """A reply made while a timely request waited is judged once the centre decides, against the deadline then."""
    if assignment.status == AssignmentStatus.REPLIED and assignment.replied_at is not None:
        assignment.reply_overdue = assignment.reply_overdue or assignment.replied_at > assignment.reply_due


def claims_of(assignment: Assignment) -> QuerySet[UnreasonableClaim]:
    """The unreasonable-claim applications (不合理诉求) of this round: by its unit, since it was dispatched.

    A claim of an earlier round (before the order was reopened and sent again) is not this round's.
    """
    return UnreasonableClaim.objects.filter(ticket_id=assignment.ticket_id, unit_id=assignment.unit_id,
                                            applied_at__gte=assignment.dispatched_at)


def close_pending_claims(ticket: Ticket, at: datetime, note: str) -> list[int]:
    """The round is over (the order is reopened): its undecided claims (不合理诉求) close as not decided.

    Like `close_pending_extensions`: status 驳回 with `decided_by` empty and `note` saying why, so they
    leave the 待审批 queue and no later round's decision can take them. Returns their ids.
    """
    closed = list(UnreasonableClaim.objects.filter(ticket=ticket, status=Decision.PENDING)
                  .values_list("pk", flat=True))
    if closed:
        UnreasonableClaim.objects.filter(pk__in=closed).update(status=Decision.REJECTED, decided_at=at,
                                                               decision_note=note)
    return closed


def _pending_extension(ticket: Ticket, extension: Extension | None) -> Extension:
    qs = Extension.objects.select_for_update().select_related("assignment").filter(
        ticket=ticket, status=Decision.PENDING)
    if extension is not None:
        qs = qs.filter(pk=extension.pk)
    found = qs.first()
    if found is None:
        raise InvalidTransition(_("没有待审批的延期申请"))
    return found


#: Why the returning lead's request may not be granted yet: the return it filed afterwards is decided first.
RETURN_FIRST = gettext_lazy("主办单位已申请退单，请先审核退单：驳回退单后方可批准其延期申请")


def awaits_return_review(ticket: Ticket, ext: Extension) -> bool:
    """Whether the request is the lead's own while its return awaits the centre's review (退单待审).

    Granting it would move the order's closing deadline and text the citizen for a unit that has asked to give
    the order back: if the return is accepted another unit handles the order and the days were for nobody. The
    centre decides the return first (驳回退单: the unit keeps the order, and its request may be granted then);
    an assisting unit's request may be granted meanwhile (its clock runs), and any request may be denied.
    """
    return (ext.assignment.role == AssignmentRole.LEAD and ext.assignment.status == AssignmentStatus.RETURNED
            and ticket.status == Status.RETURNED)


@service
def approve_extension(ticket: Ticket, *, actor: User, extension: Extension | None = None,
                      days: int | None = None, note: str = "") -> Ticket:
    """Grant the extension (批准延期): the unit's reply deadline and the closing deadline move.

    Not the lead's own request while its return awaits review (`awaits_return_review`): decide the return first.
    """
    step = begin(ticket, Action.APPROVE_EXTENSION, actor)
    ext = _pending_extension(ticket, extension)
    if awaits_return_review(ticket, ext):
        raise RuleViolation(str(RETURN_FIRST))
    granted = ext.days if days is None else days
    if not 1 <= granted <= MAX_EXTENSION_DAYS:
        raise RuleViolation(_("延期天数须在 1 至 %(days)s 个工作日之间") % {"days": MAX_EXTENSION_DAYS})
    ext.status, ext.decided_by, ext.decided_at, ext.decision_note = Decision.APPROVED, actor, step.at, note
    ext.days = granted
    ext.save()
    assignment = Assignment.objects.select_for_update().get(pk=ext.assignment_id)
    sla.extend(ticket, assignment, granted, step.at)
    _judge_reply(assignment)  # a reply made while the request waited: late only if after the new deadline
    ticket.extension_count += 1
    step.touch(assignment)
    return step.commit(note=note or f"批准延期 {granted} 个工作日",
                       data={"extension": ext.pk, "days": granted, "reply_due": assignment.reply_due.isoformat()},
                       public=assignment.role == AssignmentRole.LEAD)


@service
def deny_extension(ticket: Ticket, *, actor: User, note: str, extension: Extension | None = None) -> Ticket:
    """Refuse the extension (驳回延期); the deadlines stay."""
    step = begin(ticket, Action.DENY_EXTENSION, actor)
    if not note.strip():
        raise RuleViolation(_("驳回延期须说明理由"))
    ext = _pending_extension(ticket, extension)
    ext.status, ext.decided_by, ext.decided_at, ext.decision_note = Decision.REJECTED, actor, step.at, note
    ext.save()
    assignment = Assignment.objects.select_for_update().get(pk=ext.assignment_id)
    _judge_reply(assignment)  # a reply made while the request waited: judged against the deadline that stays
    step.touch(assignment)
    return step.commit(note=note, data={"extension": ext.pk})


@service
def reply(ticket: Ticket, *, actor: User, content: str, contacted: bool, resolved: bool,
          public_reply: str = "", is_truthful: bool | None = None, beyond_duty: bool = False,
          unresolved_reason: str = "", unit: HandlingUnit | None = None) -> Ticket:
    """The unit answers (答复): the lead's reply goes to the centre's review; an assisting unit's is its input."""
    is_assist = Assignment.objects.filter(
        ticket=ticket, role=AssignmentRole.ASSIST, status=AssignmentStatus.SIGNED,
        unit__memberships__user=actor, **({"unit": unit} if unit else {})).exists()
    action = Action.ASSIST_REPLY if is_assist else Action.REPLY
    step = begin(ticket, action, actor)
    assignment = step.assignment_for(unit, role=AssignmentRole.ASSIST if is_assist else AssignmentRole.LEAD,
                                     statuses=[AssignmentStatus.SIGNED])
    if not visible(content).strip():  # only zero-width characters is no reply (core.entered)
        raise RuleViolation(_("答复内容不能为空"))
    if not resolved and not unresolved_reason.strip():
        raise RuleViolation(_("未解决的须说明原因"))
    Reply.objects.create(ticket=ticket, assignment=assignment, author=actor, created_at=step.at, content=content,
                         public_reply=public_reply, is_truthful=is_truthful, beyond_duty=beyond_duty,
                         contacted=contacted, resolved=resolved, unresolved_reason=unresolved_reason,
                         review_status=Decision.APPROVED if is_assist else Decision.PENDING)
    # An assisting unit replying while the order waits for the citizen (待群众补充): its clock was stopped
    # too, so it is judged against its deadline shifted by the pause so far, which then stays as it is.
    sla.resume_assignment(assignment, step.at, running=False)
    late = step.at > assignment.reply_due
    waiting = _timely_request(assignment) if late else None  # the centre's decision says whether it is late
    move_assignment(assignment, AssignmentStatus.REPLIED)
    assignment.replied_at = step.at
    assignment.reply_overdue = assignment.reply_overdue or (late and waiting is None)
    sla.stop_phase(assignment)
    step.touch(assignment)
    data = {"extension_pending": waiting.pk} if waiting is not None else {}
    # The texts as typed, whole (a second click of the same reply is told from new words by them, docs/lifecycle.md).
    typed = {"public_reply": public_reply, "unresolved_reason": unresolved_reason}
    data |= {name: text for name, text in typed.items() if text}
    if is_assist:
        return step.commit(note=f"{assignment.unit}协办意见：{content}", data={**data, "content": content})
    from hotline.tickets.services.termination import close_pending_terminations  # it builds on this module

    if closed := close_pending_terminations(ticket, step.at, "主办单位已答复，终止办理申请不再审定"):
        data["terminations_closed"] = closed
    return step.commit(Status.REPLIED, note=content,
                       data={"resolved": resolved, "contacted": contacted, **data}, public=False)


@service
def apply_unreasonable(ticket: Ticket, *, actor: User, reason: str, unit: HandlingUnit | None = None) -> Ticket:
    """The lead unit applies to have the demand judged unreasonable (不合理诉求); the centre decides.

    Only the lead of the current round: a unit that led the order before it was reopened and sent elsewhere may not.
    """
    step = begin(ticket, Action.APPLY_UNREASONABLE, actor)
    assignment = step.assignment_for(unit, role=AssignmentRole.LEAD,
                                     statuses=[AssignmentStatus.SIGNED, AssignmentStatus.REPLIED,
                                               AssignmentStatus.COMPLETED])
    if assignment.pk != current_lead_id(ticket) or not lead_reply_stands(ticket, assignment.status):
        raise NotPermitted(_("只有本轮办理的主办单位可以申请不合理诉求"))
    if not reason.strip():
        raise RuleViolation(_("请写明申请理由"))
    if claim_stands(assignment):
        raise RuleViolation(str(CLAIM_STANDS))
    claim = UnreasonableClaim.objects.create(ticket=ticket, unit=assignment.unit, reason=reason, applicant=actor,
                                             applied_at=step.at)
    return step.commit(note=reason, data={"claim": claim.pk})
