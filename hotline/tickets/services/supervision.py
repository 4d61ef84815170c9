"""Supervision (催办/督办), unreasonable-claim decisions (不合理诉求) and assessment appeals (考核申诉)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import Action, AssignmentRole, AssignmentStatus, Decision, SupervisionKind
from hotline.tickets.constants import MAX_SUPERVISION_LEVEL
from hotline.tickets.exceptions import InvalidTransition, RuleViolation
from hotline.tickets.models import Appeal, Assignment, Supervision, Ticket, UnreasonableClaim
from hotline.tickets.permissions import current_lead_id
from hotline.tickets.services._core import begin, service
from hotline.tickets.services.handling import claims_of


@service
def supervise(ticket: Ticket, *, actor: User, kind: str, note: str, level: int | None = None,
              unit: HandlingUnit | None = None) -> Ticket:
    """Remind (催办) or formally supervise (督办) the units holding the order; 督办 may escalate a level.

    A reminder keeps the order's level (at least 1) whatever `level` says; 督办 without a level keeps it too.
    """
    step = begin(ticket, Action.SUPERVISE, actor)
    if kind not in SupervisionKind.values or not note.strip():
        raise RuleViolation(_("请选择催办或督办并填写意见"))
    if kind == SupervisionKind.REMIND or not level:
        level = max(ticket.supervision_level, 1)  # a reminder (催办) never changes the level: any given is ignored
    if not 1 <= level <= MAX_SUPERVISION_LEVEL:
        raise RuleViolation(_("督办级别须在 1 至 %(max)d 之间") % {"max": MAX_SUPERVISION_LEVEL})
    if level < ticket.supervision_level:
        raise RuleViolation(_("督办级别不能低于已有级别"))
    record = Supervision.objects.create(ticket=ticket, unit=unit, kind=kind, level=level, note=note, actor=actor,
                                        created_at=step.at)
    ticket.supervision_level = level
    return step.commit(note=note, data={"supervision": record.pk, "kind": kind, "level": level})


def _decide(step, model: type, approve: bool, note: str, records: QuerySet | None = None):  # noqa: ANN001, ANN202
    """Record the centre's decision on the order's pending claim or appeal (among `records`, if given)."""
    if not note.strip():
        raise RuleViolation(_("请填写审定意见"))
    records = model.objects.filter(ticket=step.ticket) if records is None else records
    record = records.select_for_update().filter(status=Decision.PENDING).first()
    if record is None:
        raise InvalidTransition(_("没有待审定的%(record)s") % {"record": model._meta.verbose_name})
    record.status = Decision.APPROVED if approve else Decision.REJECTED
    record.decided_by, record.decided_at, record.decision_note = step.actor, step.at, note
    record.save()
    return record


@service
def decide_unreasonable(ticket: Ticket, *, actor: User, approve: bool, note: str) -> Ticket:
    """Decide a unit's unreasonable-claim application; approved, the order leaves the unit's assessment.

    The claim decided is the current round's: the one its lead (`current_lead_id`) filed since it was
    dispatched. A claim of a unit that no longer leads the order (it returned it, handed it down, the
    order was reopened) is never taken, even if it were still pending.
    """
    step = begin(ticket, Action.DECIDE_UNREASONABLE, actor)
    lead = current_lead_id(ticket)
    current = (claims_of(Assignment.objects.get(pk=lead)) if lead is not None
               else UnreasonableClaim.objects.none())
    claim = _decide(step, UnreasonableClaim, approve, note, current)
    return step.commit(note=f"{'认定' if approve else '不认定'}为不合理诉求：{note}",
                       data={"claim": claim.pk, "approved": approve, "note": note})


@service
def appeal(ticket: Ticket, *, actor: User, reason: str, unit: HandlingUnit | None = None) -> Ticket:
    """A unit appeals its assessment on a closed order (考核申诉)."""
    step = begin(ticket, Action.APPEAL, actor)
    assignment = step.assignment_for(unit, role=AssignmentRole.LEAD, statuses=[AssignmentStatus.COMPLETED])
    if not reason.strip():
        raise RuleViolation(_("请写明申诉理由"))
    if Appeal.objects.filter(ticket=ticket, unit=assignment.unit).exclude(status=Decision.REJECTED).exists():
        raise RuleViolation(_("该工单已有申诉"))
    record = Appeal.objects.create(ticket=ticket, unit=assignment.unit, reason=reason, applicant=actor,
                                   applied_at=step.at)
    return step.commit(note=reason, data={"appeal": record.pk})


@service
def decide_appeal(ticket: Ticket, *, actor: User, uphold: bool, note: str) -> Ticket:
    """Decide an appeal; upheld, the order leaves the unit's assessment."""
    step = begin(ticket, Action.DECIDE_APPEAL, actor)
    record = _decide(step, Appeal, uphold, note)
    return step.commit(note=f"申诉{'成立' if uphold else '不成立'}：{note}",
                       data={"appeal": record.pk, "upheld": uphold, "note": note})
