"""The SLA clock on orders and assignments: choosing a policy, snapshotting deadlines, pausing, extending.

These helpers only set fields on the objects they are given; the ticket services that call them own
the transaction and the save.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from hotline.core import workcalendar
from hotline.sla.choices import Basis, Light, LimitUnit, basis_of
from hotline.sla.constants import DEFAULT_YELLOW_RATIO
from hotline.sla.models import AcceptanceSettings, SlaPolicy
from hotline.tickets.choices import DISPATCH_ACTIONS, Action, AssignmentStatus
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import TimelineEvent

if TYPE_CHECKING:
    from hotline.tickets.models import Assignment, Ticket


class Clocked(Protocol):
    """Anything with a running deadline and a light (an order or one unit's assignment)."""

    phase_started_at: datetime | None
    phase_due: datetime | None
    phase_yellow_at: datetime | None
    light: str
    paused_at: datetime | None


class NoApplicablePolicy(RuleViolation, SlaPolicy.DoesNotExist):
    """No active time-limit policy applies to the order: the step is refused with a clear message (not a 500)."""


def policy_for(ticket: Ticket) -> SlaPolicy:
    """The policy that governs this order: every condition must hold; highest priority, then most specific."""
    categories = ticket.category.ancestors_and_self() if ticket.category_id else []
    is_utility = any(c.is_utility for c in categories)
    category_ids = {c.pk: c.level for c in categories}
    best: tuple[tuple, SlaPolicy] | None = None
    for policy in SlaPolicy.objects.filter(is_active=True):
        if policy.urgency and policy.urgency != ticket.urgency:
            continue
        if policy.category_id and policy.category_id not in category_ids:
            continue
        if policy.utility_only and not is_utility:
            continue
        if policy.difficult_only and not ticket.is_difficult:
            continue
        rank = (
            policy.priority,
            category_ids.get(policy.category_id, 0),
            int(bool(policy.urgency)) + int(policy.utility_only) + int(policy.difficult_only),
            -policy.pk,
        )
        if best is None or rank > best[0]:
            best = (rank, policy)
    if best is None:
        raise NoApplicablePolicy("没有适用于该工单的启用时限规则：请在管理后台「时限规则」中启用或新增一条不设适用条件的兜底规则")
    return best[1]


def light_at(yellow_at: datetime | None, due: datetime | None, at: datetime) -> str:
    """The light of a deadline seen at `at`: red once due, yellow once past the yellow mark."""
    if due is None:
        return Light.NONE
    if at >= due:
        return Light.RED
    if yellow_at is not None and at >= yellow_at:
        return Light.YELLOW
    return Light.GREEN


def flag_if_red(obj: Clocked) -> None:
    """A deadline seen red is missed for good: set the sticky overdue flag the KPIs read (as the sweep does).

    An order's red before its closing deadline exists is its online acceptance limit: `accepted_at`
    against `accept_due` tells that one, no flag.
    """
    if obj.light != Light.RED:
        return
    if hasattr(obj, "close_overdue"):
        if obj.close_due is not None:
            obj.close_overdue = True
    elif obj.status == "pending_sign":
        obj.sign_overdue = True
    elif obj.status == "signed":
        obj.reply_overdue = True


def start_phase(obj: Clocked, *, started_at: datetime, due: datetime | None, basis: str, ratio: float) -> None:
    """Make `due` the running deadline of `obj`, with its yellow mark and its light as of `started_at`."""
    obj.phase_started_at = started_at
    obj.phase_due = due
    obj.phase_yellow_at = workcalendar.yellow_at(started_at, due, ratio, basis) if due else None
    obj.light = light_at(obj.phase_yellow_at, due, started_at)
    flag_if_red(obj)


def stop_phase(obj: Clocked) -> None:
    """No deadline runs any more (finished, or waiting on the centre)."""
    obj.phase_started_at = obj.phase_due = obj.phase_yellow_at = None
    obj.light = Light.NONE


def hold_phase(obj: Clocked) -> None:
    """The running deadline stops, but its phase may run again (`continue_phase`): the unit returned the order
    and the centre reviews it (退单待审), or the unit handed it down (下派) and may recall it (收回下派).

    No deadline runs (`phase_due` empty, no light: the sweep and the alerts leave the row alone), but the
    phase's start and yellow mark are kept, so that the same phase can go on as it was rather than start
    afresh: a unit cannot turn its own yellow light green by returning or handing down the order.
    """
    obj.phase_due = None
    obj.light = Light.NONE


def continue_phase(obj: Clocked, *, due: datetime, basis: str, ratio: float, since: datetime, at: datetime) -> None:
    """Run again at `at` the phase `hold_phase` stopped at `since`, `due` being its deadline now.

    As after a pause (§7), the yellow mark moves later by the time given back, measured on the deadline's
    axis: the span from `since` to `at` when the wait is given back (驳回退单: `give_back_wait` has moved
    `due` by the same span), none when it is not (收回下派: `since` = `at`, the deadline has not moved), so
    the light is what it would have been had the deadline never stopped. The phase keeps its start, and the
    unit alerts key a light on the phase's start and deadline (`notifications.unit_alerts`): a light already
    alerted is not alerted again while its deadline has not moved (收回下派, the order returned up after a
    下派), but a deadline moved by the time given back (驳回退单) is a moved deadline, alerted again as after a
    pause (docs/sla.md §9). A row held before the marks were kept (or never running) starts the phase afresh
    at `at`, as before.
    """
    if obj.phase_started_at is None or obj.phase_yellow_at is None:
        start_phase(obj, started_at=at, due=due, basis=basis, ratio=ratio)
        return
    given_back = workcalendar.elapsed(since, at, basis)
    obj.phase_yellow_at = min(workcalendar.shift(obj.phase_yellow_at, given_back, basis), due)
    obj.phase_due = due
    obj.light = light_at(obj.phase_yellow_at, due, at)
    flag_if_red(obj)


def mark_held(obj: Clocked, due: datetime, basis: str, ratio: float, at: datetime) -> None:
    """A held phase (`hold_phase`) whose deadline moved meanwhile gets its yellow mark for `due`, as an extension
    marks a running one (§8): `ratio` of the span from the phase's start. `continue_phase` then judges it.

    For an extension granted while the lead's return awaits review, and for the deadline the unit below carries
    back up to the unit above (退单 of a 下派 order) after it was extended or paused there. A row holding no
    phase is left alone.
    """
    if obj.phase_yellow_at is not None:
        obj.phase_yellow_at = workcalendar.yellow_at(obj.phase_started_at or at, due, ratio, basis)


def snapshot_assignment(assignment: Assignment, policy: SlaPolicy, at: datetime) -> None:
    """Copy the policy's deadlines onto a new assignment (快照): sign, return window and reply, with their axes.

    The unit never has to sign later than it has to reply: a sign deadline the policy counts past the reply
    deadline (other axes, e.g. 1 working day against 48 hours before a holiday) is the reply deadline, on its
    axis, so a pause shifts both alike (as a hand-down caps it, `forwarding`).
    """
    assignment.sign_due = workcalendar.add_limit(at, policy.sign_amount, policy.sign_unit)
    assignment.sign_basis = basis_of(policy.sign_unit)
    assignment.return_due = workcalendar.add_limit(at, policy.return_amount, policy.return_unit)
    assignment.reply_due = workcalendar.add_limit(at, policy.reply_amount, policy.reply_unit)
    assignment.reply_basis = basis_of(policy.reply_unit)
    if assignment.sign_due > assignment.reply_due:
        assignment.sign_due, assignment.sign_basis = assignment.reply_due, assignment.reply_basis
    start_phase(assignment, started_at=at, due=assignment.sign_due, basis=assignment.sign_basis,
                ratio=float(policy.yellow_ratio))


def sign_basis(assignment: Assignment, policy: SlaPolicy) -> str:
    """The axis the assignment's sign deadline lives on: the one stored at dispatch (`sign_basis`).

    A later change of the policy's sign unit does not move it (§2: a deadline stays on its axis), as the
    reply deadline keeps its `reply_basis`. Only an assignment written before the axis was stored, or by
    an import that does not set it, falls back to the policy's sign unit.
    """
    return assignment.sign_basis or basis_of(policy.sign_unit)


def start_reply_phase(assignment: Assignment, policy: SlaPolicy, at: datetime) -> None:
    """After signing, the reply deadline is the one that runs."""
    start_phase(assignment, started_at=at, due=assignment.reply_due, basis=assignment.reply_basis,
                ratio=float(policy.yellow_ratio))


def restart_reply_clock(assignment: Assignment, policy: SlaPolicy, at: datetime) -> None:
    """Re-handling (重办) gets a fresh reply deadline counted from now."""
    assignment.reply_due = workcalendar.add_limit(at, policy.reply_amount, policy.reply_unit)
    assignment.reply_basis = basis_of(policy.reply_unit)
    start_reply_phase(assignment, policy, at)


def start_close_clock(ticket: Ticket, policy: SlaPolicy, at: datetime) -> None:
    """Set the order's closing deadline (办结时限) when it first goes to a unit, and make it the running one.

    The close light is judged on the whole span, from the round's first dispatch to the deadline (§9): a
    later dispatch — 改派, the re-dispatch after 同意退单, the order given back by 驳回退单 — does not restart
    its timing, so the light cannot turn green again close to the deadline. A close deadline still running
    (改派) keeps its start and yellow mark. One a return stopped (退单) runs again from the round's first
    dispatch (`close_round_start`), its yellow mark at `yellow_ratio` of the span to the deadline as it now
    stands (given back the time the return awaited review), as an extension marks it (§8). Either way the
    light is judged at `at`.
    """
    ticket.sla_policy = policy
    ratio = float(policy.yellow_ratio)
    if ticket.close_due is None:
        ticket.close_due = workcalendar.add_limit(at, policy.close_amount, policy.close_unit)
        ticket.close_basis = basis_of(policy.close_unit)
        start_phase(ticket, started_at=at, due=ticket.close_due, basis=ticket.close_basis, ratio=ratio)
        return
    if ticket.phase_started_at is None or ticket.phase_due != ticket.close_due:  # not running: stopped by a return
        started = close_round_start(ticket)
        start_phase(ticket, started_at=min(started, at) if started else at, due=ticket.close_due,
                    basis=ticket.close_basis, ratio=ratio)
    ticket.light = light_at(ticket.phase_yellow_at, ticket.phase_due, at)
    flag_if_red(ticket)


def close_round_start(ticket: Ticket) -> datetime | None:
    """When the order's close deadline began to run in this round: its first dispatch (派单, 指定派单 or 会商定责)
    since it was last reopened (重新启用, which clears the deadline); None for an order never dispatched."""
    if ticket.pk is None:
        return None
    events = TimelineEvent.objects.filter(ticket_id=ticket.pk)
    reopened = events.filter(action=Action.REOPEN).order_by("-seq").values_list("seq", flat=True).first()
    return (events.filter(action__in=DISPATCH_ACTIONS, seq__gt=reopened or 0).order_by("seq")
            .values_list("at", flat=True).first())


def start_acceptance_clock(ticket: Ticket, at: datetime) -> None:
    """An online request just registered: the centre's acceptance limit (网上受理时限) runs from now."""
    limit = AcceptanceSettings.current()
    ticket.accept_due = workcalendar.add_limit(at, limit.amount, limit.unit)
    start_phase(ticket, started_at=at, due=ticket.accept_due, basis=basis_of(limit.unit), ratio=DEFAULT_YELLOW_RATIO)


def end_acceptance_clock(ticket: Ticket, at: datetime) -> None:
    """The centre took its first decision on an online request (受理): record when, and stop its light.

    A dispatch has already made the closing deadline the running one; that one keeps running.
    """
    ticket.accepted_at = at
    if ticket.close_due is None:
        stop_phase(ticket)


def pause(objs: list[Clocked], at: datetime) -> None:
    """Stop the clock (awaiting the citizen): lights freeze until `resume`."""
    for obj in objs:
        obj.paused_at = at


def resume(ticket: Ticket, assignments: list[Assignment], at: datetime) -> float:
    """Restart the clock: shift every running deadline by the paused span on its own axis.

    `assignments` are the ones still running (as the pause took them): signed ones (办理中) restart with
    `resume_assignment`, assisting ones still waiting to be signed (待签收) with `resume_signing`. One that
    replied or signed during the pause was resumed then. Returns the paused wall-clock seconds, which the
    order accumulates.
    """
    paused_at = ticket.paused_at
    if paused_at is None:
        return 0.0
    for a in assignments:
        if a.status == AssignmentStatus.PENDING_SIGN:
            resume_signing(a, ticket.sla_policy or policy_for(ticket), at)
        else:
            resume_assignment(a, at)
    span = shift_close_due(ticket, paused_at, at)
    _shift_phase(ticket, span, ticket.close_basis or Basis.CLOCK, at)
    ticket.paused_at = None
    seconds = (at - paused_at).total_seconds()
    ticket.paused_seconds += seconds
    return seconds


def resume_assignment(assignment: Assignment, at: datetime, *, running: bool = True) -> None:
    """Restart one assignment's paused clock at `at`: its reply deadline shifts by the pause on its axis.

    The order's resume does this for every running assignment, whose running phase (yellow mark, light)
    shifts too. An assisting unit that replies while the order is still paused does it for itself at its
    reply (`running=False`: its phase ends there, and the reply, not the light, judges it), so the reply is
    judged against the deadline the pause has moved so far, and the order's later resume leaves that
    finished deadline alone.
    """
    paused_at = assignment.paused_at
    if paused_at is None:
        return
    span = workcalendar.elapsed(paused_at, at, assignment.reply_basis)
    assignment.reply_due = workcalendar.shift(assignment.reply_due, span, assignment.reply_basis)
    if running:
        _shift_phase(assignment, span, assignment.reply_basis, at)
    assignment.paused_at = None


def resume_signing(assignment: Assignment, policy: SlaPolicy, at: datetime, *, running: bool = True) -> None:
    """Restart the paused clock of an assisting unit still waiting to sign (协办待签收) at `at`.

    Its sign deadline moves later by the pause on its own axis (`sign_basis`, stored at dispatch), and its
    reply deadline (also counted from the dispatch) by the pause on its own axis, as for a signed unit.
    The order's resume does this
    with the running sign phase (yellow mark, light) shifted too. A unit that signs while the order is
    still paused does it for itself at its signing (`running=False`: the sign phase ends there), so its
    signing is judged against the sign deadline the pause has moved so far, and the order's later resume
    leaves that finished deadline alone.
    """
    paused_at = assignment.paused_at
    if paused_at is None:
        return
    basis = sign_basis(assignment, policy)
    span = workcalendar.elapsed(paused_at, at, basis)
    assignment.sign_due = workcalendar.shift(assignment.sign_due, span, basis)
    if running:
        _shift_phase(assignment, span, basis, at)
    resume_assignment(assignment, at, running=False)


def settle_pause(assignment: Assignment) -> None:
    """The unit's handling ended while its clock stood still (待群众补充): settle the pause it still carries.

    Called when the assignment leaves for good (已撤回, 已完成: merged, terminated, closed) before any resume.
    Its clock stopped when the pause began, so it is late only for a deadline already passed then, as
    the indicators read a paused row (`kpis.definitions.sign_missed`, `open_overdue`): a unit that never
    signed has `sign_overdue` set if its sign deadline had passed, one that signed and had not replied
    `reply_overdue` if its reply deadline had. Otherwise nothing is late: the citizen's wait is nobody's.
    The pause mark goes with it, so no finished assignment carries a running pause. Overdue flags stay
    sticky (§9): this only ever sets them.
    """
    paused_at = assignment.paused_at
    if paused_at is None:
        return
    if assignment.signed_at is None:
        assignment.sign_overdue = assignment.sign_overdue or assignment.sign_due < paused_at
    elif assignment.replied_at is None:
        assignment.reply_overdue = assignment.reply_overdue or assignment.reply_due < paused_at
    assignment.paused_at = None


def give_back_wait(ticket: Ticket, assignment: Assignment, policy: SlaPolicy, since: datetime,
                   at: datetime) -> None:
    """Give the unit back the time the centre took to decide on its return (退单审核), as a pause would.

    The assignment's sign and reply deadlines and the order's close deadline move later by the span
    from `since` to `at`, each measured on its own axis. Call it while their clocks are stopped, before
    starting the phase again. The return window is not moved: the unit has used it.
    """
    basis = sign_basis(assignment, policy)
    assignment.sign_due = workcalendar.shift(assignment.sign_due, workcalendar.elapsed(since, at, basis), basis)
    assignment.reply_due = workcalendar.shift(
        assignment.reply_due, workcalendar.elapsed(since, at, assignment.reply_basis), assignment.reply_basis)
    shift_close_due(ticket, since, at)


def shift_close_due(ticket: Ticket, since: datetime, at: datetime) -> float:
    """Move the order's close deadline later by the span from `since` to `at` on its axis; return the span.

    For time the order could not be handled through no fault of the units: a pause (§7), and a return
    awaiting the centre's review, whether the centre then rejects it (`give_back_wait`) or accepts it.
    """
    span = workcalendar.elapsed(since, at, ticket.close_basis or Basis.CLOCK)
    if ticket.close_due is not None:
        ticket.close_due = workcalendar.shift(ticket.close_due, span, ticket.close_basis)
    return span


def _shift_phase(obj: Clocked, span: float, basis: str, at: datetime) -> None:
    if obj.phase_due is None:
        return
    obj.phase_due = workcalendar.shift(obj.phase_due, span, basis)
    if obj.phase_yellow_at is not None:
        obj.phase_yellow_at = workcalendar.shift(obj.phase_yellow_at, span, basis)
    obj.light = light_at(obj.phase_yellow_at, obj.phase_due, at)
    flag_if_red(obj)


def extend(ticket: Ticket, assignment: Assignment, days: int, at: datetime) -> None:
    """An approved extension (延期) moves the unit's reply deadline and, for the lead, the order's closing deadline.

    An assisting unit's extension moves only its own reply deadline: the order closes on the lead's
    reply. Lights and overdue flags are not judged on a paused object (待群众补充): the deadline
    moves, and `resume` judges it when the clock runs again. Nor on a held one (`hold_phase`; 批准延期 refuses
    the returning lead's request while its return awaits review, so only as a safeguard): its yellow mark is
    set for the new deadline (`mark_held`), and `continue_phase` judges it if the order comes back to the unit.
    """
    ratio = float(ticket.sla_policy.yellow_ratio) if ticket.sla_policy else 0.8
    assignment.reply_due = workcalendar.add_limit(assignment.reply_due, days, LimitUnit.WORKING_DAYS)
    assignment.extension_count += 1
    if assignment.phase_due is not None and assignment.signed_at is not None:
        _move_running(assignment, assignment.reply_due, assignment.reply_basis, ratio, at)
    elif assignment.signed_at is not None:  # held (退单待审)
        mark_held(assignment, assignment.reply_due, assignment.reply_basis, ratio, at)
    if ticket.close_due is not None and assignment.is_lead:
        ticket.close_due = workcalendar.add_limit(ticket.close_due, days, LimitUnit.WORKING_DAYS)
        if ticket.phase_due is not None:
            _move_running(ticket, ticket.close_due, ticket.close_basis, ratio, at)


def _move_running(obj: Clocked, due: datetime, basis: str, ratio: float, at: datetime) -> None:
    """Make `due` the running deadline of `obj` (same start); judge its light at `at` unless it is paused."""
    if obj.paused_at is not None:
        obj.phase_due = due
        obj.phase_yellow_at = workcalendar.yellow_at(obj.phase_started_at or at, due, ratio, basis)
        return
    start_phase(obj, started_at=obj.phase_started_at or at, due=due, basis=basis, ratio=ratio)
    obj.light = light_at(obj.phase_yellow_at, obj.phase_due, at)
    flag_if_red(obj)
