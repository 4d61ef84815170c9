"""Every change of an inspection (工单质检): score it, appeal it, decide the appeal.

Each service locks the row, checks the status table (`transitions`), the person and the optimistic
version, then writes the change and its log entry (`InspectionEvent`) in one transaction. A refusal raises
a `DomainError` with a Chinese message before anything is written. Sampling is in `sampling.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.core.entered import entered_text
from hotline.inspection import transitions
from hotline.inspection.choices import EventKind, InspectionStatus
from hotline.inspection.constants import NOTE_MAX_LENGTH, TEXT_MAX_LENGTH
from hotline.inspection.models import Criterion, Deduction, Inspection, InspectionEvent
from hotline.inspection.permissions import may_decide, may_inspect
from hotline.inspection.scoring import Mark, score
from hotline.inspection.selectors import (
    appeal_deadline,
    applicable_criteria,
    decision_of,
    first_decision,
    scored_by,
)
from hotline.tickets.exceptions import ConflictError, NotPermitted, RuleViolation


@dataclass(frozen=True)
class Entry:
    """Points to take off on one checklist item (a `Criterion` or its id), with the note saying why."""

    criterion: Criterion | int
    points: int
    note: str = ""

    @property
    def criterion_id(self) -> int:
        return self.criterion.pk if isinstance(self.criterion, Criterion) else int(self.criterion)


@dataclass(frozen=True)
class Checked:
    """A deduction that passed the checks."""

    criterion: Criterion
    points: int
    note: str


def _locked(inspection: Inspection, expected_version: int | None) -> Inspection:
    row = Inspection.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=inspection.pk)
    if expected_version is not None and expected_version != row.version:
        raise ConflictError(_("该质检记录刚被他人修改，请刷新后重新操作"))
    return row


def _text(value: str, *, what: str, required: bool, limit: int = TEXT_MAX_LENGTH) -> str:
    return entered_text(value, what=what, limit=limit, required=required)


def check_deductions(inspection: Inspection, entries: Iterable[Entry], decision: str | None = None) -> list[Checked]:
    """The deductions with points, checked against the checklist items that apply to the order (`decision`:
    the agent's first decision, read from the timeline when not given).

    Refused (`RuleViolation`): an item that does not apply (or is switched off), the same item twice,
    points below 0 or over the item's maximum, points without a note, a note without points, a note over
    200 characters or with a NUL character.
    """
    if decision is None:
        decision = decision_of(first_decision(inspection.ticket))
    kept = set(inspection.deductions.values_list("criterion_id", flat=True)) if inspection.pk else set()
    criteria = {c.pk: c for c in applicable_criteria(decision, keep=kept)}
    found: list[Checked] = []
    seen: set[int] = set()
    for entry in entries:
        criterion = criteria.get(entry.criterion_id)
        if criterion is None:
            raise RuleViolation(_("质检项不适用于此工单或已停用（编号 %(id)s）") % {"id": entry.criterion_id})
        if criterion.pk in seen:
            raise RuleViolation(_("质检项「%(name)s」重复扣分") % {"name": criterion.name})
        seen.add(criterion.pk)
        if not 0 <= entry.points <= criterion.max_points:
            raise RuleViolation(_("「%(name)s」扣分应在 0 至 %(max)d 分之间") % {
                "name": criterion.name, "max": criterion.max_points})
        note = _text(entry.note, what=_("扣分说明"), required=False, limit=NOTE_MAX_LENGTH)
        if entry.points > 0 and not note:
            raise RuleViolation(_("「%(name)s」扣了分，请写明扣分说明") % {"name": criterion.name})
        if entry.points == 0 and note:
            raise RuleViolation(_("「%(name)s」写了扣分说明但未填扣分") % {"name": criterion.name})
        if entry.points > 0:
            found.append(Checked(criterion, entry.points, note))
    return found


def _score(found: list[Checked]) -> tuple[int, bool]:
    return score(Mark(c.points, c.criterion.is_fatal) for c in found)


def _snapshot(found: Iterable[Checked]) -> list[dict[str, Any]]:
    return [{"code": c.criterion.code, "name": c.criterion.name, "points": c.points, "note": c.note,
             "fatal": c.criterion.is_fatal} for c in found]


def _current(row: Inspection) -> list[tuple[int, int, str]]:
    return sorted(row.deductions.values_list("criterion_id", "points", "note"))


def _points(found: Iterable[Checked]) -> list[tuple[int, int]]:
    """The points per item, what a revision (改判) must change (a reworded note is no revision)."""
    return sorted((c.criterion.pk, c.points) for c in found)


def _replace(row: Inspection, found: list[Checked]) -> None:
    row.deductions.all().delete()
    Deduction.objects.bulk_create([Deduction(inspection=row, criterion=c.criterion, points=c.points, note=c.note)
                                   for c in found])


def _log(row: Inspection, kind: str, actor: User, at: Any, *, before: str, score_before: int | None,
         note: str = "", found: list[Checked] | None = None) -> None:
    row.version += 1
    data = {"deductions": _snapshot(found)} if found is not None else {}
    InspectionEvent.objects.create(inspection=row, seq=row.version, at=at, actor=actor, kind=kind,
                                   from_status=before, to_status=row.status, score_before=score_before,
                                   score_after=row.score, note=note, data=data)


@transaction.atomic
def inspect(inspection: Inspection, deductions: Iterable[Entry], comment: str, actor: User,
            expected_version: int | None = None) -> Inspection:
    """Score a sampled order against the checklist (质检评分), or correct the score before the agent appeals
    (修改评分, which restarts the appeal window). Returns the inspection as stored."""
    if not may_inspect(actor):
        raise NotPermitted(_("只有质检员和系统管理员可以质检评分"))
    row = _locked(inspection, expected_version)
    if row.agent_id == actor.pk:
        raise NotPermitted(_("不能质检自己受理的工单"))
    transitions.check("inspect", row.status, InspectionStatus.INSPECTED)
    decision = decision_of(first_decision(row.ticket))
    found = check_deductions(row, deductions, decision)
    comment = _text(comment, what=_("质检意见"), required=False)
    new = sorted((c.criterion.pk, c.points, c.note) for c in found)
    if row.status == InspectionStatus.INSPECTED and new == _current(row) and comment == row.comment:
        return row  # nothing changed: no log entry
    before, score_before = row.status, row.score
    row.score, row.is_fatal = _score(found)
    row.status, row.comment = InspectionStatus.INSPECTED, comment
    row.inspector, row.inspected_at, row.decision = actor, clock.now(), decision
    _replace(row, found)
    kind = EventKind.RESCORED if before == InspectionStatus.INSPECTED else EventKind.INSPECTED
    _log(row, kind, actor, row.inspected_at, before=before, score_before=score_before, note=comment, found=found)
    row.save(update_fields=["score", "is_fatal", "status", "comment", "inspector", "inspected_at", "decision",
                            "version"])
    return row


@transaction.atomic
def appeal(inspection: Inspection, reason: str, actor: User, expected_version: int | None = None) -> Inspection:
    """The agent contests the score (质检申诉), within the appeal window counted in working days."""
    row = _locked(inspection, expected_version)
    if row.agent_id != actor.pk:
        raise NotPermitted(_("只有被质检的受理员本人可以申诉"))
    transitions.check("appeal", row.status, InspectionStatus.APPEALED)
    reason = _text(reason, what=_("申诉理由"), required=True)
    now = clock.now()
    deadline = appeal_deadline(row)
    if deadline is not None and now > deadline:
        raise RuleViolation(_("申诉期限已过（截至 %(deadline)s）") % {
            "deadline": f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}"})
    before = row.status
    row.status, row.appeal_reason, row.appealed_at = InspectionStatus.APPEALED, reason, now
    _log(row, EventKind.APPEALED, actor, now, before=before, score_before=row.score, note=reason)
    row.save(update_fields=["status", "appeal_reason", "appealed_at", "version"])
    return row


@transaction.atomic
def decide_appeal(inspection: Inspection, upheld: bool, deductions: Iterable[Entry] | None, note: str,
                  actor: User, expected_version: int | None = None) -> Inspection:
    """Decide the agent's appeal (申诉处理): keep the score (维持) or score the order again (改判), with reasons.

    A revision takes the new deductions, whose points must differ from the old; its log entry keeps both
    scores. Whoever scored the inspection (its inspector, or anyone who scored or rescored it before) may not
    decide its appeal.
    """
    if not may_decide(actor):
        raise NotPermitted(_("只有督办员和系统管理员可以处理申诉"))
    row = _locked(inspection, expected_version)
    if row.agent_id == actor.pk:
        raise NotPermitted(_("不能处理自己的申诉"))
    if scored_by(row, actor):
        raise NotPermitted(_("不能处理自己评分的申诉"))
    target = InspectionStatus.UPHELD if upheld else InspectionStatus.REVISED
    transitions.check("decide", row.status, target)
    note = _text(note, what=_("申诉处理意见"), required=True)
    found = None
    score_before = row.score
    if not upheld:
        found = check_deductions(row, deductions or [])
        if _points(found) == sorted((c, p) for c, p, _note in _current(row)):
            raise RuleViolation(_("改判须修改扣分；不改分请选择「维持原评分」"))
        row.score, row.is_fatal = _score(found)
        _replace(row, found)
    now = clock.now()
    before = row.status
    row.status, row.decided_by, row.decided_at, row.decision_note = target, actor, now, note
    kind = EventKind.UPHELD if upheld else EventKind.REVISED
    _log(row, kind, actor, now, before=before, score_before=score_before, note=note, found=found)
    row.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "score", "is_fatal", "version"])
    return row
