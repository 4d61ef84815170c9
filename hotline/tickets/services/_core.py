"""The machinery every lifecycle service shares: lock, check the table, save, write the timeline event.

A service looks like this::

    @transaction.atomic
    def sign(ticket, *, actor, unit=None):
        step = begin(ticket, Action.SIGN, actor)          # lock + version check + table + role
        assignment = step.assignment_for(unit, ...)       # unit membership
        ...change fields...
        return step.commit(Status.IN_PROGRESS, note=...)  # save + timeline event, same transaction
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import router, transaction
from django.db.models import Q
from django.db.models.signals import post_save, pre_save
from django.utils import translation
from django.utils.translation import gettext as _

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.core import clock
from hotline.core.inserts import insert_rows
from hotline.core.labels import label
from hotline.core.transactions import in_whole_unit, step_transaction
from hotline.orgs.models import HandlingUnit
from hotline.sla import services as sla
from hotline.tickets.choices import (
    ACTIVE_ASSIGNMENT,
    Action,
    AssignmentRole,
    AssignmentStatus,
    Channel,
    Status,
)
from hotline.tickets.exceptions import ConflictError, InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import Assignment, Ticket, TimelineEvent
from hotline.tickets.signals import step_committed
from hotline.tickets.transitions import ASSIGNMENT_TRANSITIONS, TRANSITIONS

#: Fields of Ticket that services may change (everything but identity and `updated_at`): (name, attname).
#: None of them holds a mutable value (no JSON or array field), so comparing with a snapshot finds every change.
_TICKET_FIELDS = [(f.name, f.attname) for f in Ticket._meta.concrete_fields if f.name not in {"id", "updated_at"}]


_UNREAD = object()  # a field the step's snapshot lacks counts as changed


def actor_label(actor: User | None) -> str:
    """How the timeline names who acted, always in Chinese: it is stored, so the actor's UI language must not leak in."""
    if actor is None:
        return "系统/群众"
    with translation.override(settings.LANGUAGE_CODE):
        return f"{actor} ({label(Role, actor.role)})"


def check_role(action: str, actor: User | None) -> None:
    """Refuse the step if this person's role may not take it."""
    row = TRANSITIONS[action]
    if actor is None:
        if not row.anonymous:
            raise NotPermitted(_("「%(action)s」需要登录后操作") % {"action": Action(action).label})
        return
    if not actor.is_active or actor.role not in row.roles:
        raise NotPermitted(_("%(role)s无权执行「%(action)s」")
                           % {"role": actor.get_role_display(), "action": Action(action).label})


def releasable() -> Q:
    """Assignments a step that ends the round releases: those holding the order and a return awaiting the
    centre's review. A return to the unit above (after 下派) is final already and stays as it was."""
    return Q(status__in=ACTIVE_ASSIGNMENT) | Q(status=AssignmentStatus.RETURNED, forwarded_from__isnull=True)


def move_assignment(assignment: Assignment, to: str) -> None:
    """Move one unit's assignment, refusing a move the assignment table does not allow.

    An assignment that stops holding the order (已撤回, 已完成 …: merged, terminated, closed) while the order
    waits for the citizen settles its pause in the same move (`sla.settle_pause`): a deadline already passed
    when the pause began is flagged, and no finished assignment keeps a running pause mark.
    """
    if to not in ASSIGNMENT_TRANSITIONS[assignment.status]:
        raise InvalidTransition(_("%(unit)s的派单状态为「%(status)s」，不能变为「%(to)s」")
                                % {"unit": assignment.unit, "status": assignment.get_status_display(), "to": to})
    assignment.status = to
    if to not in ACTIVE_ASSIGNMENT:
        sla.settle_pause(assignment)


@dataclass
class Step:
    """One lifecycle step in progress on a locked order."""

    ticket: Ticket
    action: str
    actor: User | None
    at: Any
    before: str
    unit: HandlingUnit | None = None
    touched: list[Assignment] = field(default_factory=list)
    #: The order's field values as read when the step began (commit writes only what changed).
    stored: dict[str, Any] = field(default_factory=dict)

    def assignment_for(self, unit: HandlingUnit | None, *, role: str | None = None,
                       statuses: Iterable[str] = ACTIVE_ASSIGNMENT) -> Assignment:
        """The actor's unit's assignment on this order (the actor must belong to that unit)."""
        qs = Assignment.objects.select_for_update().select_related("unit").filter(
            ticket=self.ticket, status__in=list(statuses)
        )
        if role:
            qs = qs.filter(role=role)
        if unit is not None:
            qs = qs.filter(unit=unit)
        if TRANSITIONS[self.action].by_unit and self.actor is not None and not self.actor.is_centre_staff:
            qs = qs.filter(unit__memberships__user=self.actor)
        found = list(qs.order_by("-dispatched_at", "-id")[:20])
        if not found:
            raise NotPermitted(_("您所在单位没有可执行「%(action)s」的派单") % {"action": Action(self.action).label})
        if len({a.unit_id for a in found}) > 1:
            raise RuleViolation(_("您属于多个承办单位，请指明以哪个单位办理"))
        self.unit = found[0].unit  # the unit's latest assignment (an order may come back to it after a reopen)
        return found[0]

    def lead(self) -> Assignment:
        """The order's active lead (主办) assignment."""
        found = Assignment.objects.select_for_update().select_related("unit").filter(
            ticket=self.ticket, role=AssignmentRole.LEAD, status__in=ACTIVE_ASSIGNMENT
        ).first()
        if found is None:
            raise InvalidTransition(_("该工单没有有效的主办单位"))
        return found

    def touch(self, *assignments: Assignment) -> None:
        """Remember assignments to save with the step."""
        for a in assignments:
            if a not in self.touched:
                self.touched.append(a)

    def accepts(self, target: str) -> bool:
        """Whether this step is the centre's first decision on an online request still waiting (受理)."""
        ticket = self.ticket
        return (ticket.accept_due is not None and ticket.accepted_at is None and self.before == Status.REGISTERED
                and (target != self.before or self.action == Action.CONSULT))

    def commit(self, to: str | None = None, *, note: str = "", data: dict | None = None,
               public: bool = False) -> Ticket:
        """Save the order and its assignments and append the timeline event, in this transaction."""
        row = TRANSITIONS[self.action]
        target = self.before if to is None else to
        if row.targets and target not in row.targets:
            raise InvalidTransition(_("「%(action)s」不能使工单变为「%(status)s」")
                                    % {"action": Action(self.action).label, "status": target})
        if not row.targets and target != self.before:
            raise InvalidTransition(_("「%(action)s」不改变工单状态") % {"action": Action(self.action).label})
        ticket = self.ticket
        if self.accepts(target):
            sla.end_acceptance_clock(ticket, self.at)
        ticket.status = target
        ticket.version += 1
        event = TimelineEvent(
            ticket=ticket, seq=ticket.version, at=self.at, actor=self.actor, actor_label=actor_label(self.actor),
            unit=self.unit, action=self.action, from_status=self.before, to_status=target, note=note,
            data=data or {}, is_public=public,
        )
        unwritten = _unwritten.get()
        if unwritten is not None and ticket.pk in unwritten:  # the first decision on an order not written yet
            write_new_order(ticket, [unwritten.pop(ticket.pk), event], self.touched)
            return ticket
        for a in self.touched:
            a.save()
        if ticket.pk:
            changed = [name for name, att in _TICKET_FIELDS if getattr(ticket, att) != self.stored.get(att, _UNREAD)]
            ticket.save(update_fields=[*changed, "updated_at"])
        else:
            ticket.save()
        event.save(force_insert=True)
        announce(event)
        return ticket


def write_new_order(ticket: Ticket, events: list[TimelineEvent], assignments: Iterable[Assignment] = ()) -> None:
    """Write an order registered in this transaction, in its current state, with its timeline events so far.

    Two INSERTs built once per process (`core.inserts`); the order's save signals are sent as `save()` would.
    """
    using = router.db_for_write(Ticket, instance=ticket)
    pre_save.send(sender=Ticket, instance=ticket, raw=False, using=using, update_fields=None)
    insert_rows(Ticket, [ticket], using=using)
    post_save.send(sender=Ticket, instance=ticket, created=True, update_fields=None, raw=False, using=using)
    for a in assignments:
        a.save()
    insert_rows(TimelineEvent, events, using=using)
    for event in events:
        announce(event)


def announce(event: TimelineEvent) -> None:
    """Hand the step to the receivers of `ticket_changed` once the transaction has committed."""
    payload = {"ticket_id": event.ticket_id, "event_id": event.pk, "action": event.action,
               "from_status": event.from_status, "to_status": event.to_status}
    transaction.on_commit(lambda: step_committed(payload))


#: Orders registered in this transaction whose row is not written yet: id -> their registration event
#: (see `first_decision`).
_unwritten: ContextVar[dict[int, TimelineEvent] | None] = ContextVar("hotline_unwritten_orders", default=None)


@contextmanager
def first_decision(ticket: Ticket, registration: TimelineEvent) -> Iterator[None]:
    """Take the first decision on an order registered but not written yet (`intake.register_unwritten`).

    The decision's commit writes the order once, already in its new state, with both timeline events:
    an INSERT of the order and one of the two events, instead of an INSERT, an UPDATE and two INSERTs.
    Inside, the order counts as `held`. If the block ends without a step committed, the order is
    written as registered.
    """
    pending = {ticket.pk: registration}
    token = _unwritten.set(pending)
    try:
        with held(ticket):
            yield
    finally:
        _unwritten.reset(token)
    if pending:
        write_new_order(ticket, [registration])


#: Orders registered in the transaction still open in this context (see `held`).
_held: ContextVar[frozenset[int]] = ContextVar("hotline_held_tickets", default=frozenset())


@contextmanager
def held(ticket: Ticket) -> Iterator[None]:
    """Within the transaction that registered `ticket`, let steps on it skip the re-read and row lock.

    The row is invisible to every other transaction until commit, so the caller's instance is the
    order as stored: `begin` uses it as is (the transition table, roles and versions still apply).
    Used by intake, which registers an order and takes its first decision in one transaction.
    """
    if not transaction.get_connection().in_atomic_block or ticket.pk is None:
        raise RuntimeError("held() needs the transaction that registered the order")
    token = _held.set(_held.get() | {ticket.pk})
    try:
        yield
    finally:
        _held.reset(token)


def registered_here(ticket: Ticket) -> bool:
    """Whether the order was registered in this very transaction (`held`): it has no records of its own yet,
    so a step may skip looking for them (intake's first decision stays within its few statements)."""
    return ticket.pk is not None and ticket.pk in _held.get()


def begin(ticket: Ticket, action: str, actor: User | None) -> Step:
    """Lock the order, refuse a stale copy, and check the table and the actor's role.

    Must run inside `transaction.atomic`. The caller's `ticket` instance is refreshed in place, so a
    successful service leaves it current.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lifecycle services must run inside transaction.atomic")
    if ticket.pk is not None and ticket.pk in _held.get():
        fresh: Ticket | None = ticket  # registered in this very transaction: nobody else can see it yet
    else:
        fresh = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("sla_policy", "category__parent__parent")
            .filter(pk=ticket.pk)
            .first()
        )
    if fresh is None:
        raise InvalidTransition(_("工单不存在"))
    if fresh.version != ticket.version:
        raise ConflictError(_("工单已被他人处理，请刷新后重试"))
    for f in Ticket._meta.concrete_fields:
        setattr(ticket, f.attname, getattr(fresh, f.attname))
    ticket._state.fields_cache = dict(fresh._state.fields_cache)
    row = TRANSITIONS[action]
    if ticket.status not in row.sources:
        raise InvalidTransition(
            _("工单%(number)s当前状态为「%(status)s」，不能执行「%(action)s」")
            % {"number": ticket.number or ticket.pk, "status": ticket.get_status_display(), "action": Action(action).label}
        )
    check_role(action, actor)
    if row.citizens_only and ticket.channel == Channel.PROACTIVE:
        raise RuleViolation(_("工单%(number)s是中心主动发现的工单（未诉先办），没有群众的诉求，不能「%(action)s」")
                            % {"number": ticket.number or ticket.pk, "action": Action(action).label})
    if actor is not None and actor.is_unit_staff and not Ticket.objects.visible_to(actor, one=True).filter(pk=ticket.pk).exists():
        raise NotPermitted(_("您无权处理该工单"))
    return Step(ticket=ticket, action=action, actor=actor, at=clock.now(), before=ticket.status,
                stored={att: getattr(ticket, att) for _name, att in _TICKET_FIELDS})


def atomic_step(fn):  # noqa: ANN001, ANN201
    """Run `fn` in `step_transaction()` (what `@transaction.atomic` does, minus the savepoint in a whole unit)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with step_transaction():
            return fn(*args, **kwargs)

    return wrapper


def service(fn):  # noqa: ANN001, ANN201
    """Run a lifecycle service in its own transaction (a savepoint inside an outer one).

    On a refused step nothing is written and the caller's ticket instance is reloaded, so it still
    shows the order exactly as stored. Inside `all_or_nothing` the whole unit is undone instead, and
    the instance is left as it is (the unit's caller discards it).
    """
    import functools

    from hotline.tickets.exceptions import DomainError

    @functools.wraps(fn)
    def wrapper(ticket, *args, **kwargs):  # noqa: ANN001, ANN202
        try:
            with step_transaction():
                return fn(ticket, *args, **kwargs)
        except DomainError:
            if getattr(ticket, "pk", None) and not in_whole_unit():
                ticket.refresh_from_db()
            raise

    return wrapper
