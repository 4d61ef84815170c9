"""下派: a lead unit hands its order to a unit below it (a district to a street; to a community only when
the centre allows it, `ForwardSettings`).

Two-level dispatch (二级派单) as district sub-centres work: the centre sends the order to the district,
whose staff know which street should act. The unit below becomes the order's lead; the unit above keeps
seeing the order (its sub-tree). The citizen's deadlines do not move: the reply deadline, extensions
already granted and the closing deadline carry over, so passing an order down buys nobody time. The unit
below gets its own sign window (never past the reply deadline) and return window, and is judged only on
what it does itself.

A unit that received an order by 下派 and finds it is not its own returns it (退单) straight to the unit
above, which takes it back at once (no review by the centre, no count toward the centre's three returns):
the unit above handles it itself or hands it to another unit below it. Before the unit below signs, the
unit above may also take the order back (收回下派).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core.entered import entered_text
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla import services as sla
from hotline.tickets.choices import (
    ACTIVE_ASSIGNMENT,
    Action,
    AssignmentRole,
    AssignmentStatus,
    Decision,
    ReturnReason,
    Status,
)
from hotline.tickets.constants import MAX_HAND_DOWNS
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Assignment, ForwardSettings, ReturnRequest, Ticket
from hotline.tickets.services._core import Step, begin, move_assignment, service
from hotline.tickets.services.handling import close_pending_claims, close_pending_extensions
from hotline.tickets.services.termination import close_pending_terminations

#: The longest 下派要求 (the instructions to the unit below).
NOTE_MAX_LENGTH = 2000


def units_below(path: str) -> QuerySet[HandlingUnit]:
    """The active units an order held by the unit at `path` may be handed down to: every unit under it,
    communities (社区/村) only when the centre allows it (`ForwardSettings.to_communities`)."""
    units = (HandlingUnit.objects.filter(path__startswith=path, is_active=True).exclude(path=path)
             .exclude(kind=UnitKind.CENTRE).order_by("path"))
    return units if ForwardSettings.current().to_communities else units.exclude(kind=UnitKind.COMMUNITY)


@service
def forward(ticket: Ticket, *, actor: User, to: HandlingUnit, note: str,
            unit: HandlingUnit | None = None) -> Ticket:
    """The lead unit hands the order down to `to`, a unit below it (下派), with its instructions (`note`).

    An order not yet signed is signed by handing it down (the unit received it; its sign deadline is
    judged now). The unit's pending extension, termination and unreasonable-claim requests close: the unit
    below handles the order now and asks for itself.
    """
    step = begin(ticket, Action.FORWARD, actor)
    held = step.assignment_for(unit, role=AssignmentRole.LEAD,
                               statuses=[AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED])
    note = entered_text(note, what=_("下派要求"), limit=NOTE_MAX_LENGTH, required=True)
    _check_below(ticket, held.unit, to)
    _check_depth(held)
    signed_now = held.signed_at is None
    if signed_now:
        move_assignment(held, AssignmentStatus.SIGNED)
        held.signed_at, held.signed_by = step.at, actor
        held.sign_overdue = held.sign_overdue or step.at > held.sign_due
    policy = ticket.sla_policy or sla.policy_for(ticket)
    if signed_now:  # signed by handing down: its reply deadline is the phase a recall (收回下派) goes on with
        sla.start_reply_phase(held, policy, step.at)
    move_assignment(held, AssignmentStatus.FORWARDED)
    held.ended_at = step.at
    sla.hold_phase(held)
    closing = f"工单已下派至{to}，申请不再审定"  # stored: always Chinese
    closed = {
        "extensions_closed": close_pending_extensions(held, step.at, closing),
        "terminations_closed": close_pending_terminations(ticket, step.at, closing),
        "claims_closed": close_pending_claims(ticket, step.at, closing),
    }
    below = _assignment_below(step, held, to)
    step.touch(held, below)
    # Public: the citizen's page shows the order handed to the unit below (转交承办单位, its name), never the
    # instructions (`public_text.outbound_note` keeps the note in the centre too).
    return step.commit(Status.DISPATCHED, note=f"下派至{to}：{note}",
                       data={"from_unit": held.unit_id, "to_unit": to.pk, "signed_now": signed_now,
                             **{k: v for k, v in closed.items() if v}}, public=True)


@service
def recall(ticket: Ticket, *, actor: User, note: str, unit: HandlingUnit | None = None) -> Ticket:
    """The unit above takes back an order it handed down (收回下派) before the unit below signed it.

    For a wrong choice of unit: the unit below is withdrawn, the unit above holds the order again, signed,
    with its reply clock running (the deadline has not moved): the same phase goes on, with the yellow mark
    it had (`sla.continue_phase`), so a light already yellow stays yellow and is not alerted again. Once
    the unit below has signed, only its return (退单) gives the order back.
    """
    step = begin(ticket, Action.RECALL, actor)
    above = step.assignment_for(unit, role=AssignmentRole.LEAD, statuses=[AssignmentStatus.FORWARDED])
    note = entered_text(note, what=_("收回理由"), limit=NOTE_MAX_LENGTH, required=True)
    below = (Assignment.objects.select_for_update().select_related("unit")
             .filter(forwarded_from=above, status=AssignmentStatus.PENDING_SIGN).first())
    if below is None:
        raise RuleViolation(_("下级单位已签收，不能收回；如非其职责，由下级单位退单"))
    move_assignment(below, AssignmentStatus.WITHDRAWN)
    below.ended_at = step.at
    sla.stop_phase(below)
    move_assignment(above, AssignmentStatus.SIGNED)
    above.ended_at = None
    # The reply clock ran on while the order was handed down: the same phase goes on, yellow mark and all.
    policy = ticket.sla_policy or sla.policy_for(ticket)
    sla.continue_phase(above, due=above.reply_due, basis=above.reply_basis, ratio=float(policy.yellow_ratio),
                       since=step.at, at=step.at)
    step.touch(below, above)
    # Public: the citizen's page shows who handles the order now (承办单位调整, the unit above), never the reason.
    return step.commit(Status.IN_PROGRESS, note=f"收回下派（{below.unit}）：{note}", data={"from_unit": below.unit_id},
                       public=True)


def _check_below(ticket: Ticket, unit: HandlingUnit, to: HandlingUnit) -> None:
    """Refuse a unit that is not an active unit below `unit`, or that already holds the order (协办)."""
    if to.pk == unit.pk or not to.path.startswith(unit.path) or to.kind == UnitKind.CENTRE:  # as `units_below`
        raise RuleViolation(_("只能下派给本单位的下级单位，「%(unit)s」不是%(own)s的下级单位")
                            % {"unit": to, "own": unit})
    if not to.is_active:
        raise RuleViolation(_("「%(unit)s」已停用，不能承办工单") % {"unit": to})
    if to.kind == UnitKind.COMMUNITY and not ForwardSettings.current().to_communities:
        raise RuleViolation(_("工单不下派至社区（村）：社区是群众自治组织，不是承办工单的行政机关"))
    if Assignment.objects.filter(ticket=ticket, unit=to, status__in=ACTIVE_ASSIGNMENT).exists():
        raise RuleViolation(_("「%(unit)s」已在办理该工单（协办），不能再作为主办下派") % {"unit": to})


def _check_depth(held: Assignment) -> None:
    """Refuse a hand-down deeper than MAX_HAND_DOWNS below the centre's dispatch (the units above follow
    their hand-downs that far, in their 已下派 tab)."""
    depth, above = 0, held.forwarded_from_id
    while above is not None and depth <= MAX_HAND_DOWNS:
        depth += 1
        above = Assignment.objects.filter(pk=above).values_list("forwarded_from_id", flat=True).first()
    if depth >= MAX_HAND_DOWNS:
        raise RuleViolation(_("工单已逐级下派 %(n)s 次，不能再下派；请本单位办理或退回上级") % {"n": MAX_HAND_DOWNS})


def _assignment_below(step: Step, held: Assignment, to: HandlingUnit) -> Assignment:
    """The new lead assignment: its own sign and return windows, and the reply deadline still running.

    The reply deadline carries over (extensions granted included), and the sign deadline is never after
    it: one the policy counts later is the reply deadline, on its axis (`reply_basis`), so a pause shifts
    both alike (as `sla.snapshot_assignment` caps it at dispatch). An order handed down past its reply
    deadline was late with the unit above (its `reply_overdue`, counted in its 按时办结率): the unit below
    is not charged for that and gets the policy's reply window from now; the order's own closing deadline
    does not move. The unit below starts with no extension and no lateness of its own (延期率, 按时办结率
    judge what it did).
    """
    ticket = step.ticket
    policy = ticket.sla_policy or sla.policy_for(ticket)
    below = Assignment(ticket=ticket, unit=to, role=AssignmentRole.LEAD, dispatched_at=step.at,
                       dispatched_by=step.actor, forwarded_from=held)
    sla.snapshot_assignment(below, policy, step.at)
    if held.reply_due > step.at:
        below.reply_due, below.reply_basis = held.reply_due, held.reply_basis
        if below.reply_due < below.sign_due:
            below.sign_due, below.sign_basis = below.reply_due, below.reply_basis
    else:
        held.reply_overdue = True
    sla.start_phase(below, started_at=step.at, due=below.sign_due, basis=below.sign_basis,
                    ratio=float(policy.yellow_ratio))
    return below


def return_to_forwarder(step: Step, assignment: Assignment, *, reason_code: str, reason: str,
                        suggested_unit: HandlingUnit | None) -> Ticket:
    """退单 of an order received by 下派: the unit above takes it back at once, signed, with the reply clock running.

    When the reply deadline carries back up, the unit above's reply phase goes on as after 收回下派
    (`sla.continue_phase`: same start, its yellow mark kept, set anew only for a deadline the unit below had
    moved), so a light already yellow stays yellow and is not alerted again.

    Recorded as a return already agreed (it counts in the unit's return rate) but not as one of the
    centre's returns (`Ticket.return_count`, the three-returns rule). The reply deadline the unit below
    reached (an extension granted to it) carries back up; its extensions and lateness stay its own: if it
    returns the order after the reply deadline, it was late (`reply_overdue`, counted in its 按时办结率) and
    the unit above gets the policy's reply window from now. The requests it left undecided (extension,
    termination, unreasonable claim) close.
    """
    ticket = step.ticket
    above = Assignment.objects.select_for_update().select_related("unit").get(pk=assignment.forwarded_from_id)
    at: datetime = step.at
    with translation.override(settings.LANGUAGE_CODE):
        label = str(ReturnReason(reason_code).label)
        decision = f"退回下派单位{above.unit}"
    request = ReturnRequest.objects.create(
        ticket=ticket, assignment=assignment, reason_code=reason_code, reason=reason, suggested_unit=suggested_unit,
        requested_by=step.actor, requested_at=at, status=Decision.APPROVED, decided_at=at, decision_note=decision)
    move_assignment(assignment, AssignmentStatus.RETURNED)
    assignment.ended_at = at
    sla.stop_phase(assignment)
    closed = {"extensions_closed": close_pending_extensions(assignment, at, decision),
              "terminations_closed": close_pending_terminations(ticket, at, decision),
              "claims_closed": close_pending_claims(ticket, at, decision)}
    policy = ticket.sla_policy or sla.policy_for(ticket)
    move_assignment(above, AssignmentStatus.SIGNED)
    above.ended_at = None
    if assignment.reply_due > at:
        # The deadline carries back up: the phase the hand-down held goes on, as after 收回下派 (the light is
        # not green again); its yellow mark is set anew only if the unit below moved the deadline (延期, a pause).
        ratio = float(policy.yellow_ratio)
        if (assignment.reply_due, assignment.reply_basis) != (above.reply_due, above.reply_basis):
            above.reply_due, above.reply_basis = assignment.reply_due, assignment.reply_basis
            sla.mark_held(above, above.reply_due, above.reply_basis, ratio, at)
        sla.continue_phase(above, due=above.reply_due, basis=above.reply_basis, ratio=ratio, since=at, at=at)
    else:  # the unit below let the deadline pass: its lateness (按时办结率), a fresh window for the unit above
        assignment.reply_overdue = True
        sla.restart_reply_clock(above, policy, at)
    step.touch(assignment, above)
    return step.commit(Status.IN_PROGRESS, note=f"{label}：{reason}（{decision}）",
                       data={"reason_code": reason_code, "signed": assignment.signed_at is not None,
                             "return": request.pk, "to_unit": above.unit_id,
                             **{k: v for k, v in closed.items() if v}})
