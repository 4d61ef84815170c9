"""Reads of quality inspection (坐席工单质检), cut to what this person may see, and the order the agent recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core.privacy import numbers_masked
from hotline.core.workcalendar import add_limit
from hotline.inspection.choices import Decision, EventKind, InspectionStatus, Scope
from hotline.inspection.models import MAX_APPEAL_DAYS, Criterion, Inspection, InspectionSettings
from hotline.inspection.permissions import AGENT_ROLES, READ_ROLES, role_of
from hotline.sla.choices import LimitUnit
from hotline.tickets.choices import Action
from hotline.tickets.models import Ticket, TimelineEvent

#: The agent's first decision on an order, by the timeline action that records it.
DECISIONS: dict[str, str] = {
    Action.ANSWER_DIRECTLY: Decision.DIRECT_ANSWER,
    Action.SEND_TO_DISPATCH: Decision.DISPATCH,
    Action.DISPATCH: Decision.DISPATCH,
    Action.DESIGNATE: Decision.DISPATCH,
    Action.CONSULT: Decision.DISPATCH,
    Action.TRANSFER: Decision.TRANSFER_REFUSAL,
    Action.NOT_ACCEPT: Decision.TRANSFER_REFUSAL,
}
#: The checklist scope each decision brings in, besides the items for every order.
DECISION_SCOPE = {Decision.DIRECT_ANSWER: Scope.DIRECT_ANSWER, Decision.DISPATCH: Scope.DISPATCH,
                  Decision.TRANSFER_REFUSAL: Scope.TRANSFER_REFUSAL}


def visible_to(user: User) -> QuerySet[Inspection]:
    """The inspections this person may see: all for inspectors, supervisors, leaders and administrators; an
    intake agent's own once scored (not samples still waiting); nothing for anyone else."""
    role = role_of(user)
    if role in READ_ROLES:
        return Inspection.objects.all()
    if role in AGENT_ROLES:
        return Inspection.objects.filter(agent=user).exclude(status=InspectionStatus.PENDING)
    return Inspection.objects.none()


def first_decision(ticket: Ticket) -> TimelineEvent | None:
    """The timeline event of the first decision taken on the order after registration, if any."""
    return (ticket.timeline.filter(action__in=list(DECISIONS), seq__gt=1).select_related("unit")
            .order_by("seq").first())


def decision_of(event: TimelineEvent | None) -> str:
    """The kind of decision (直接答复 / 转派单 / 转应急或不予受理) an event records; "" for none yet."""
    return DECISIONS.get(event.action, Decision.NONE) if event is not None else Decision.NONE


def applicable_criteria(decision: str, *, keep: set[int] | frozenset[int] = frozenset()) -> list[Criterion]:
    """The active checklist items for an order whose first decision is `decision`, plus the items in `keep`
    (already deducted on it, even if switched off since)."""
    scopes = [Scope.ALL] + ([DECISION_SCOPE[decision]] if decision in DECISION_SCOPE else [])
    return list(Criterion.objects.filter(Q(is_active=True, applies_to__in=scopes) | Q(pk__in=keep))
                .order_by("sort_order", "id"))


def appeal_deadline(inspection: Inspection, settings: InspectionSettings | None = None) -> datetime | None:
    """When the agent's appeal window closes: the settings' working days (调休 counted) from `inspected_at`.

    A window beyond `MAX_APPEAL_DAYS` (a row written past the settings' checks) counts as that maximum, so
    that no page fails on a deadline the working calendar refuses to compute."""
    if inspection.inspected_at is None:
        return None
    days = min((settings or InspectionSettings.current()).appeal_days, MAX_APPEAL_DAYS)
    return add_limit(inspection.inspected_at, days, LimitUnit.WORKING_DAYS)


#: The order's fields the inspection shows (no service changes them after registration).
ORDER_FIELDS = ("channel", "request_type", "category", "urgency", "title", "description", "address",
                "district", "street", "community", "is_anonymous", "is_confidential")
#: Its free texts, shown with phone and identity card numbers masked (the page shows no number in full).
MASKED_FIELDS = frozenset({"title", "description", "address"})


@dataclass
class Field:
    """One field of the order as shown on the inspection page."""

    name: str
    label: str
    value: Any


def order_fields(ticket: Ticket) -> list[Field]:
    """The order's fields the agent recorded, as they are (registration is the only step that writes them),
    except the numbers in its free texts (`MASKED_FIELDS`): masked for everyone, as the caller's number is
    (`order_title`)."""
    rows = []
    for name in ORDER_FIELDS:
        field = Ticket._meta.get_field(name)
        display = getattr(ticket, f"get_{name}_display", None)
        value = display() if display else getattr(ticket, name)
        if isinstance(value, bool):
            value = _("是") if value else _("否")
        elif name in MASKED_FIELDS:
            value = numbers_masked(value or "", order=ticket)
        rows.append(Field(name, str(field.verbose_name), value))
    return rows


def order_title(ticket: Ticket) -> str:
    """The order's title as the inspection pages show it: phone and identity card numbers masked for everyone
    (a number typed into the title is the caller's as often as not; inspecting needs none in full)."""
    return numbers_masked(ticket.title or "", order=ticket)


def scored_by(inspection: Inspection, user: User) -> bool:
    """Whether this person scored the inspection: its inspector, or the actor of any 质检评分/修改评分 entry."""
    if user is None or user.pk is None:
        return False
    return inspection.inspector_id == user.pk or inspection.events.filter(
        actor=user, kind__in=[EventKind.INSPECTED, EventKind.RESCORED]).exists()
