"""What each indicator counts (its rows) and to which unit a row belongs (单位归属).

An indicator counts rows of one base: orders (工单), assignments (派单, one per unit), approved replies
(答复), return visits (回访) or consultation opinions (会商意见, one per invited unit). Every base knows its way to the order (for the cuts) and the unit a row
is attributed to, so the same cut and the same ranking work for every indicator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery

from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Decision, Status
from hotline.tickets.models import Appeal, Assignment, Opinion, Reply, ReturnVisit, Ticket, UnreasonableClaim

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


def _ref(name: str, depth: int) -> F:
    """The row's field `name` seen from `depth` subqueries down (0: the row's own query)."""
    if depth == 0:
        return F(name)
    ref = OuterRef(name)
    for _level in range(depth - 1):
        ref = OuterRef(ref)
    return ref


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
    #: when the row's round began for its unit: the dispatch of the assignment it belongs to (seen `depth` down)
    round_start: Callable[[int], Any]

    def queryset(self) -> models.QuerySet:
        return self.model._default_manager.filter(self.where)


def _lead_holding(**extra: object) -> models.QuerySet:
    """Lead assignments that name the order's unit: holding it, or released by an approved termination (终止办理).

    A terminated order still belongs to the unit that led it when the centre stopped the handling; its
    released (已撤回) lead is not `HOLDING`, so it stays out of the lead indicators' populations.
    """
    return Assignment.objects.filter(Q(status__in=HOLDING) | ended_by_termination(), role=AssignmentRole.LEAD,
                                     **extra)


def ended_by_termination() -> Q:
    """Assignments the approved termination (终止办理) itself released: ended when the order was.

    Not a lead whose return (退单) was accepted, or that was withdrawn, in an earlier round: that unit had
    given the order up before, and is 已撤回 too.
    """
    return Q(status=AssignmentStatus.WITHDRAWN, ticket__status=Status.TERMINATED, ended_at=F("ticket__closed_at"))


def _ticket_lead(depth: int) -> models.QuerySet:
    """The order's newest lead holding it (its unit is the order's), seen from `depth` subqueries down."""
    return _lead_holding(ticket=_ref("pk", depth + 1)).order_by("-dispatched_at", "-id")


def _visit_lead(depth: int) -> models.QuerySet:
    """The lead that held the order when the citizen was called, seen from `depth` subqueries down.

    Judged by the assignments' own times, not by their status today: a lead held the order from its
    dispatch until it ended (`ended_at`: completed, handed down (下派), returned, withdrawn by 改派 or
    termination), or until now while it has not ended. Of the leads holding it at the visit, the newest
    dispatch is the holder: a unit below that received the order by 下派 (the unit above is `ended_at`-less
    again once the order came back up to it by 退单 or 收回下派, but it was dispatched earlier). A visit
    closing the order ends its lead at the visit's own moment, hence `ended_at` at or after the visit.
    """
    visit = _ref("created_at", depth + 1)
    return (Assignment.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=visit), role=AssignmentRole.LEAD,
                                      ticket=_ref("ticket_id", depth + 1), dispatched_at__lte=visit)
            .order_by("-dispatched_at", "-id"))


def _ticket_unit() -> models.Expression:
    """An order belongs to its lead unit (主办单位), the newest one when it was sent again after reopening."""
    return Subquery(_ticket_lead(0).values("unit_id")[:1])


def _visit_unit() -> models.Expression:
    """A return visit judges the lead unit that held the order when the citizen was called."""
    return Subquery(_visit_lead(0).values("unit_id")[:1])


TICKETS = Base("tickets", Ticket, "", "pk", "registered_at", Q(), _ticket_unit,
               lambda d: Subquery(_ticket_lead(d).values("dispatched_at")[:1]))
ASSIGNMENTS = Base("assignments", Assignment, "ticket__", "ticket_id", "dispatched_at", Q(), lambda: F("unit_id"),
                   lambda d: _ref("dispatched_at", d))
LEADS = Base("leads", Assignment, "ticket__", "ticket_id", "dispatched_at", Q(role=AssignmentRole.LEAD),
             lambda: F("unit_id"), lambda d: _ref("dispatched_at", d))
REPLIES = Base("replies", Reply, "ticket__", "ticket_id", "reviewed_at",
               Q(assignment__role=AssignmentRole.LEAD, review_status=Decision.APPROVED),
               lambda: F("assignment__unit_id"), lambda d: _ref("assignment__dispatched_at", d))
VISITS = Base("visits", ReturnVisit, "ticket__", "ticket_id", "created_at", Q(), _visit_unit,
              lambda d: Subquery(_visit_lead(d).values("dispatched_at")[:1]))

#: One row per unit invited to a consultation (会商), in the period it was started; its round is the consultation.
OPINIONS = Base("opinions", Opinion, "consultation__ticket__", "consultation__ticket_id", "consultation__started_at",
                Q(), lambda: F("unit_id"), lambda d: _ref("consultation__started_at", d))


def _granted_of_round(base: Base, model: type[UnreasonableClaim] | type[Appeal]) -> models.QuerySet:
    """The row's unit's granted applications of `model` in the row's round: approved claims (不合理诉求, as
    `handling.claims_of` counts a round) or upheld appeals (申诉成立).

    An application is of the round it was filed in: at or after the dispatch of the row's assignment, and
    before the order's next lead dispatch by the centre (a reopened order sent again, perhaps to the same
    unit); a lead's 下派 to a unit below is no new round. An appeal is filed on the closed order, so it is
    of the round that closed.
    """
    start = base.round_start(1)
    next_round = Assignment.objects.filter(ticket=OuterRef("ticket_id"), role=AssignmentRole.LEAD,
                                           forwarded_from__isnull=True,  # 下派 stays within the round
                                           dispatched_at__gt=base.round_start(2),
                                           dispatched_at__lte=OuterRef("applied_at"))
    return model.objects.filter(ticket=OuterRef(base.ticket_ref), unit=OuterRef("_unit"),
                                status=Decision.APPROVED, applied_at__gte=start,
                                ).exclude(Exists(next_round))


def _claims_of_round(base: Base) -> models.QuerySet:
    """The approved claims (不合理诉求) of the row's unit in the row's round."""
    return _granted_of_round(base, UnreasonableClaim)


def _appeals_of_round(base: Base) -> models.QuerySet:
    """The upheld appeals (申诉成立) of the row's unit about the row's round."""
    return _granted_of_round(base, Appeal)


def excluded_from_assessment(base: Base) -> Q:
    """Rows of a unit with an approved unreasonable claim (不合理诉求) or an upheld appeal (申诉成立) in their round.

    Either excludes only the rows attributed to the unit that applied (the row's `_unit`, annotated
    by `engine.rows`) in the round it applied about: after a reopen, the next round is assessed on its own,
    even when the same unit leads it again, and another unit's rows of the order (an assisting unit, the
    next round's lead) stay in that unit's assessment.
    """
    return Q(Exists(_claims_of_round(base))) | Q(Exists(_appeals_of_round(base)))
