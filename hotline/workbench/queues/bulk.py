"""Bulk actions (批量操作): one step of the STEPS registry taken on many orders, each on its own.

Each order is tried in its own transaction through the step's `perform` (the same service call the
order page makes, which writes the timeline event). An order the person may not see, or on which
the step is not offered now, is reported as refused without being touched; a refused order never
stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.tickets.choices import Action
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.permissions import available_actions
from hotline.tickets.transitions import TRANSITIONS
from hotline.workbench.actions import STEPS, StepSpec

#: Steps whose form has no per-order fields (or fields that apply the same to every order).
BULK_ACTIONS: tuple[str, ...] = (
    Action.SEND_TO_DISPATCH,
    Action.DISPATCH,
    Action.SIGN,
    Action.APPROVE_REPLY,
    Action.SUPERVISE,
    Action.MERGE,
)

#: A bulk "sign" also signs orders where the person's unit assists (协办签收): same service, same form.
_ALSO: dict[str, tuple[str, ...]] = {Action.SIGN: (Action.SIGN_ASSIST,)}

#: Most orders one request may touch (a page of the list is 50).
MAX_ORDERS = 200

#: Shown for an order that does not exist and for one the person may not see, alike (no leak).
NOT_FOUND = gettext_lazy("工单不存在或无权查看")


@dataclass(frozen=True)
class Outcome:
    """What happened to one order."""

    number: str
    done: bool
    message: str = ""


@dataclass
class BulkReport:
    """Every order's outcome, in the order they were given."""

    spec: StepSpec
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def done(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.done]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.done]


def bulk_form(action: str, data: Any = None) -> forms.Form:
    """The step's shared form, prefixed by the action; no `required` attribute (one page holds several)."""
    form = STEPS[action].form(data, prefix=action)
    form.use_required_attribute = False
    return form


def bulk_forms(actions: tuple[str, ...] | list[str], user: User) -> list[tuple[StepSpec, forms.Form]]:
    """The bulk steps a queue offers, each with an empty form, keeping only those this person's role may take."""
    return [(STEPS[a], bulk_form(a)) for a in actions if a in BULK_ACTIONS and user.role in TRANSITIONS[a].roles]


def clean_numbers(raw: list[str]) -> list[str]:
    """The selected order numbers, stripped, without blanks and duplicates, in their order.

    A value holding a NUL is no order number and is dropped (PostgreSQL refuses such a parameter: a 500).
    """
    return list(dict.fromkeys(n.strip() for n in raw if n and n.strip() and "\x00" not in n))


def _offered(ticket: Ticket, user: User, action: str) -> str | None:
    """The registry step to run for `action` on this order, if it is offered to this person now."""
    available = available_actions(ticket, user)
    for candidate in (action, *_ALSO.get(action, ())):
        if candidate in available:
            return candidate
    return None


def _refusal(ticket: Ticket, user: User, action: str, label: str) -> str:
    """Why `action` is not offered on this order: its status, or (a unit's step) the person's units' part in it.

    A district sees its streets' orders but only the units an order was sent to act on it (签收 …).
    """
    steps = [s for s in (action, *_ALSO.get(action, ())) if user.role in TRANSITIONS[s].roles]
    by_unit = [s for s in steps if TRANSITIONS[s].by_unit and ticket.status in TRANSITIONS[s].sources]
    if user.is_centre_staff or not by_unit:  # the status is the reason
        return _("当前状态「%(status)s」下不能执行「%(action)s」") % {
            "status": ticket.get_status_display(), "action": label}
    own = Assignment.objects.filter(ticket=ticket, unit__memberships__user=user).order_by("-dispatched_at", "-id")
    mine = own.first()
    if mine is None:
        return _("本单位不是该工单的承办单位，不能执行「%(action)s」") % {"action": label}
    return _("本单位的派单状态为「%(status)s」，不能执行「%(action)s」") % {
        "status": mine.get_status_display(), "action": label}


def run_bulk(user: User, action: str, numbers: list[str], data: dict[str, Any]) -> BulkReport:
    """Take `action` with the validated `data` on each order in `numbers`; report done and refused.

    Each order is read again just before its step: an earlier step of the same batch may have changed
    it (merging the others into a selected master records 被并入 on the master), and a copy read at the
    start would be refused as stale (「工单已被他人处理」) instead of by the step's own rule.
    """
    report = BulkReport(spec=STEPS[action])
    visible = dict(Ticket.objects.visible_to(user).filter(number__in=numbers).values_list("number", "pk"))
    for number in numbers:
        ticket = Ticket.objects.filter(pk=visible[number]).first() if number in visible else None
        if ticket is None:
            report.outcomes.append(Outcome(number, False, str(NOT_FOUND)))
            continue
        step = _offered(ticket, user, action)
        if step is None:
            report.outcomes.append(Outcome(number, False, _refusal(ticket, user, action, report.spec.label)))
            continue
        try:
            with transaction.atomic():
                STEPS[step].perform(ticket, user, data)
        except DomainError as exc:
            report.outcomes.append(Outcome(number, False, exc.message))
        else:
            report.outcomes.append(Outcome(number, True))
    return report
