"""What each indicator counts (its rows) and to which unit a row belongs (单位归属).

An indicator counts rows of one base: orders (工单), assignments (派单, one per unit), approved replies
(答复) or return visits (回访). Every base knows its way to the order (for the cuts) and the unit a row
is attributed to, so the same cut and the same ranking work for every indicator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery

from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Decision
from hotline.tickets.models import Appeal, Assignment, Reply, ReturnVisit, Ticket, UnreasonableClaim

#: Assignment statuses that still name the unit that handled or handles the order (not returned away).
HOLDING = (AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED, AssignmentStatus.REPLIED,
           AssignmentStatus.COMPLETED)


@dataclass(frozen=True)
class Context:
    """Everything a figure depends on besides the cut: the period, the moment of truth and the settings."""

    start: datetime
    end: datetime
    as_of: datetime  # when deadlines are judged (now): an order not done and not yet due is not decided
    basic_factor: Decimal
    repeat_days: int
    assessment: bool  # exclude approved unreasonable claims and upheld appeals


@dataclass(frozen=True)
class Base:
    """The rows an indicator counts."""

    key: str
    model: type[models.Model]
    ticket: str  # lookup prefix from a row to its order: "" or "ticket__"
    ticket_ref: str  # the row's order id: "pk" or "ticket_id"
    when: str  # the date the period bounds
    where: Q
    unit: Callable[[], models.Expression]  # the unit the row is attributed to

    def queryset(self) -> models.QuerySet:
        return self.model._default_manager.filter(self.where)


def _lead_holding(**extra: object) -> models.QuerySet:
    return Assignment.objects.filter(role=AssignmentRole.LEAD, status__in=HOLDING, **extra)


def _ticket_unit() -> models.Expression:
    """An order belongs to its lead unit (主办单位), the newest one when it was sent again after reopening."""
    return Subquery(_lead_holding(ticket=OuterRef("pk")).order_by("-dispatched_at", "-id").values("unit_id")[:1])


def _visit_unit() -> models.Expression:
    """A return visit judges the lead unit that held the order when the citizen was called."""
    return Subquery(_lead_holding(ticket=OuterRef("ticket_id"), dispatched_at__lte=OuterRef("created_at"))
                    .order_by("-dispatched_at", "-id").values("unit_id")[:1])


TICKETS = Base("tickets", Ticket, "", "pk", "registered_at", Q(), _ticket_unit)
ASSIGNMENTS = Base("assignments", Assignment, "ticket__", "ticket_id", "dispatched_at", Q(), lambda: F("unit_id"))
LEADS = Base("leads", Assignment, "ticket__", "ticket_id", "dispatched_at", Q(role=AssignmentRole.LEAD),
             lambda: F("unit_id"))
REPLIES = Base("replies", Reply, "ticket__", "ticket_id", "reviewed_at",
               Q(assignment__role=AssignmentRole.LEAD, review_status=Decision.APPROVED),
               lambda: F("assignment__unit_id"))
VISITS = Base("visits", ReturnVisit, "ticket__", "ticket_id", "created_at", Q(), _visit_unit)


def excluded_from_assessment(base: Base) -> Q:
    """Rows whose order has an approved unreasonable claim (不合理诉求) or an upheld appeal (申诉成立).

    A claim excludes only the rows attributed to the unit that made it (the row's `_unit`, annotated
    by `engine.rows`): after a reopen, the next unit is assessed on its own round.
    """
    ref = OuterRef(base.ticket_ref)
    return Q(Exists(UnreasonableClaim.objects.filter(ticket=ref, unit=OuterRef("_unit"),
                                                     status=Decision.APPROVED))) | Q(
        Exists(Appeal.objects.filter(ticket=ref, status=Decision.APPROVED)))
