"""Second return visits (二次回访): schedule on closing, record the outcome, reopen when the problem is back."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.revisits.choices import REOPENED_NOTE, Outcome, VisitState
from hotline.revisits.models import Attempt, RevisitRule, SecondVisit
from hotline.taxonomy.models import Category
from hotline.tickets import services as lifecycle
from hotline.tickets.choices import Action, Satisfaction, Status
from hotline.tickets.exceptions import ConflictError, NotPermitted, RuleViolation
from hotline.tickets.models import ReturnVisit, Ticket, TimelineEvent
from hotline.tickets.transitions import VISIT

#: Answers of the first return visit that count as "closed as resolved" (resolved with 未表态 closes too).
RESOLVED_SATISFACTION = frozenset({Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.NO_OPINION})


def _category_ids(category: Category | None) -> set[int]:
    return {c.pk for c in category.ancestors_and_self()} if category else set()


def rule_for(ticket: Ticket) -> RevisitRule | None:
    """The first active rule (by name) this order matches, or None."""
    rules = RevisitRule.objects.filter(is_active=True).filter(
        Q(request_type="") | Q(request_type=ticket.request_type)).prefetch_related("categories")
    chain = _category_ids(ticket.category)
    text = f"{ticket.title}\n{ticket.description}"
    for rule in rules:
        wanted = {c.pk for c in rule.categories.all()}
        words = rule.keyword_list
        if not wanted and not words:
            return rule
        if wanted & chain or any(word in text for word in words):
            return rule
    return None


def closed_as_resolved(ticket: Ticket) -> bool:
    """Closed after a return visit that reached the citizen, who said resolved and (basically) satisfied."""
    if ticket.status != Status.CLOSED:
        return False
    last = ReturnVisit.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()
    return bool(last and last.contacted and last.resolved and last.satisfaction in RESOLVED_SATISFACTION)


@transaction.atomic
def schedule(ticket_id: int, event_id: int) -> SecondVisit | None:
    """After an order closed (this timeline event): plan its second visit if a rule wants one. Idempotent."""
    existing = SecondVisit.objects.filter(close_event_id=event_id).first()
    if existing is not None:
        return existing
    event = TimelineEvent.objects.filter(pk=event_id, ticket_id=ticket_id, to_status=Status.CLOSED).first()
    ticket = Ticket.objects.select_related("category__parent__parent").filter(pk=ticket_id).first()
    if event is None or ticket is None or not closed_as_resolved(ticket):
        return None
    rule = rule_for(ticket)
    if rule is None:
        return None
    closed_at = ticket.closed_at or event.at
    return SecondVisit.objects.create(ticket=ticket, rule=rule, close_event=event, closed_at=closed_at,
                                      due_at=closed_at + timedelta(days=rule.delay_days))


def cancel_pending(ticket_id: int, reopen_event_id: int | None = None) -> int:
    """The order was reopened by other means: its pending second visits are no longer needed.

    They finish when and by whom the reopen (`reopen_event_id`, its timeline event) was done, linked to it.
    """
    event = TimelineEvent.objects.filter(pk=reopen_event_id, ticket_id=ticket_id).first() if reopen_event_id else None
    return SecondVisit.objects.filter(ticket_id=ticket_id, state=VisitState.PENDING).update(
        state=VisitState.CANCELLED, finished_at=event.at if event else clock.now(),
        finished_by_id=event.actor_id if event else None, reopen_event=event, note=REOPENED_NOTE)


def due(at: datetime | None = None) -> QuerySet[SecondVisit]:
    """Pending second visits whose time has come, oldest first."""
    return (SecondVisit.objects.filter(state=VisitState.PENDING, due_at__lte=at or clock.now())
            .select_related("ticket", "rule").order_by("due_at", "id"))


@transaction.atomic
def record(visit: SecondVisit, *, actor: User, outcome: str, note: str = "",
           expected_attempts: int | None = None) -> SecondVisit:
    """Record the call of a second visit. "Problem is back" reopens the order (重新启用) with its history.

    A refused step (role, state, reopen refused by the lifecycle) raises a DomainError and changes nothing.
    `expected_attempts` is the call count the form was made with: when the visit, read under its lock,
    has another (the same form posted twice, or a call recorded meanwhile), nothing is recorded
    (`ConflictError`).
    """
    if not actor.is_active or actor.role not in VISIT:
        raise NotPermitted(_("%(role)s无权进行二次回访") % {"role": actor.get_role_display()})
    if outcome not in Outcome.values:
        raise RuleViolation(_("未知的回访结果「%(outcome)s」") % {"outcome": outcome})
    locked = SecondVisit.objects.select_for_update(of=("self",)).select_related("rule").get(pk=visit.pk)
    if expected_attempts is not None and expected_attempts != locked.attempts:
        raise ConflictError(_("该回访已有新的记录（可能是重复提交），本次未重复记录，请核对"))
    if locked.state != VisitState.PENDING:
        raise RuleViolation(_("该二次回访已是「%(state)s」，不能再记录") % {"state": locked.get_state_display()})
    now = clock.now()
    note = note.strip()
    locked.attempts += 1
    if outcome == Outcome.BACK:
        if not note:
            raise RuleViolation(_("问题复发时须记录群众反映的情况"))
        ticket = Ticket.objects.get(pk=locked.ticket_id)
        lifecycle.reopen(ticket, actor=actor, reason=f"二次回访（第 {locked.pk} 号）：问题复发。{note}")
        locked.reopen_event = (TimelineEvent.objects.filter(ticket=ticket, action=Action.REOPEN)
                               .order_by("-seq").first())
        locked.state = VisitState.RECURRED
    elif outcome == Outcome.SOLVED:
        locked.state = VisitState.SOLVED
    else:
        rule = locked.rule
        if locked.attempts >= (rule.max_attempts if rule else 3):
            locked.state = VisitState.UNREACHABLE
        else:
            locked.due_at = now + timedelta(days=rule.retry_days if rule else 1)
    if locked.state != VisitState.PENDING:
        locked.finished_at, locked.finished_by = now, actor
    locked.note = note or locked.note
    locked.save()
    Attempt.objects.create(visit=locked, at=now, by=actor, outcome=outcome, note=note)
    visit.refresh_from_db()
    return locked
