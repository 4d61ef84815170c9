"""Bulk actions (批量操作): one step of the STEPS registry taken on many orders, each on its own.

Each order is tried in its own transaction through the step's `perform` (the same service call the
order page makes, which writes the timeline event). An order the person may not see, or on which
the step is not offered now, is reported as refused without being touched; a refused order never
stops the others.

The list posts, next to each checkbox, the order's `version` as the list showed it (`version_field`): an
order changed since by someone else (a reply sent back and answered again, another dispatcher's 派单) is
refused with `STALE` — the person never saw what the step would act on — as the order page refuses a stale
page; a version that is not a short run of ASCII digits is refused with 「页面已过期」. Changes this very batch
made (merging the others into a selected master records 被并入 on the master) do not make an order stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.tickets.choices import Action
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Assignment, Ticket, TimelineEvent
from hotline.tickets.permissions import available_actions
from hotline.tickets.transitions import TRANSITIONS
from hotline.workbench.actions import STEPS, StepSpec
from hotline.workbench.posted import PAGE_EXPIRED, posted_version

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

#: Shown for an order someone else changed after the list was shown (its posted version is no longer its own).
STALE = gettext_lazy("工单在列表显示后已被他人处理，请刷新列表核对后重试")


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


def bulk_form(action: str, user: User, data: Any = None) -> forms.Form:
    """The step's shared form, prefixed by the action; no `required` attribute (one page holds several).

    A form that looks orders up (批量合并's master) sees the orders this person may see, as on the order page
    (`workbench.views.bind`): a 保密 master the dispatcher sees is found.
    """
    kwargs: dict[str, Any] = {"prefix": action}
    if getattr(STEPS[action].form, "scoped", False):
        kwargs["orders"] = Ticket.objects.visible_to(user)
    form = STEPS[action].form(data, **kwargs)
    form.use_required_attribute = False
    return form


def bulk_forms(actions: tuple[str, ...] | list[str], user: User) -> list[tuple[StepSpec, forms.Form]]:
    """The bulk steps a queue offers, each with an empty form, keeping only those this person's role may take."""
    return [(STEPS[a], bulk_form(a, user)) for a in actions
            if a in BULK_ACTIONS and user.role in TRANSITIONS[a].roles]


def _said(value: Any) -> str:
    """One cleaned value as the one-time key reads it: a row by its id, several rows by their sorted ids."""
    if isinstance(value, Model):
        return f"#{value.pk}"
    if isinstance(value, QuerySet | list | tuple | set | frozenset):
        return ",".join(sorted(_said(v) for v in value))
    return repr(value)


def what_it_says(action: str, numbers: list[str], data: Mapping[str, Any]) -> list[str]:
    """What one bulk post does, for its one-time key: the step, the orders and the values shared by all of them.

    The same list posted again with the same values is a repeat (acted on once); corrected values (another
    督办级别, another master) after going Back are another post, taken on its own.
    """
    return [action, *sorted(numbers), *(f"{name}={_said(data[name])}" for name in sorted(data))]


def clean_numbers(raw: list[str]) -> list[str]:
    """The selected order numbers, stripped, without blanks and duplicates, in their order.

    A value holding a NUL is no order number and is dropped (PostgreSQL refuses such a parameter: a 500).
    """
    return list(dict.fromkeys(n.strip() for n in raw if n and n.strip() and "\x00" not in n))


def version_field(number: str) -> str:
    """The name of the hidden field that carries an order's version as the list showed it."""
    return f"version-{number}"


def posted_versions(data: Mapping[str, Any], numbers: list[str]) -> dict[str, str]:
    """The versions the list showed for the selected orders, as posted (an order without one is left out)."""
    return {n: data[version_field(n)] for n in numbers if version_field(n) in data}


def _last_event() -> int:
    """The id of the newest timeline event: the events this batch writes come after it."""
    return TimelineEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _changed_by_this_batch(ticket: Ticket, user: User, *, seen: int, after: int) -> bool:
    """Whether every change to the order since version `seen` is this person's, made during this batch.

    The batch's steps write timeline events after `after` (e.g. 被并入 on a master selected with its duplicates).
    """
    return seen < ticket.version and not TimelineEvent.objects.filter(ticket=ticket, seq__gt=seen).exclude(
        actor=user, pk__gt=after).exists()


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


def run_bulk(user: User, action: str, numbers: list[str], data: dict[str, Any],
             versions: Mapping[str, str] | None = None) -> BulkReport:
    """Take `action` with the validated `data` on each order in `numbers`; report done and refused.

    `versions` holds the version the list showed for each order (`posted_versions`): an order changed
    since by anyone but this batch is refused with `STALE` before anything else is asked of it, as the
    order page does; an unreadable one with 「页面已过期」. An order without a posted version (a post not
    made from the list) is taken on its current version.

    Each order is read again just before its step: an earlier step of the same batch may have changed
    it (merging the others into a selected master records 被并入 on the master), and a copy read at the
    start would be refused as stale (「工单已被他人处理」) instead of by the step's own rule. The step's
    service compares that fresh copy's version with the stored order under its lock, so a change made
    between this read and the step is refused too.
    """
    report = BulkReport(spec=STEPS[action])
    versions = versions or {}
    after = _last_event()
    visible = dict(Ticket.objects.visible_to(user).filter(number__in=numbers).values_list("number", "pk"))
    for number in numbers:
        ticket = Ticket.objects.filter(pk=visible[number]).first() if number in visible else None
        if ticket is None:
            report.outcomes.append(Outcome(number, False, str(NOT_FOUND)))
            continue
        if number in versions:
            seen = posted_version(versions[number])
            if seen is None:
                report.outcomes.append(Outcome(number, False, str(PAGE_EXPIRED)))
                continue
            if seen != ticket.version and not _changed_by_this_batch(ticket, user, seen=seen, after=after):
                report.outcomes.append(Outcome(number, False, str(STALE)))
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
