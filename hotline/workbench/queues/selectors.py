"""Reads behind the order list and the role queues: prefetches, unit inbox tabs and the supervision board.

Every function takes a queryset that already went through `Ticket.objects.visible_to(user)` (or
builds on one), and keeps the number of queries constant whatever the number of orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.db.models.lookups import Exact

from hotline.kpis.bases import ended_by_termination
from hotline.orgs.models import HandlingUnit
from hotline.sla.choices import Light
from hotline.tickets.choices import (
    ACTIVE_ASSIGNMENT,
    FINISHED,
    Action,
    AssignmentRole,
    AssignmentStatus,
    Decision,
    Status,
    SupervisionLevel,
    VisitMethod,
)
from hotline.tickets.constants import MAX_HAND_DOWNS
from hotline.tickets.models import (
    Appeal,
    Assignment,
    Extension,
    Reply,
    ReturnRequest,
    ReturnVisit,
    TerminationRequest,
    Ticket,
    UnreasonableClaim,
    VisitSettings,
    raised_by_citizens,
)
from hotline.tickets.transitions import OPEN, TRANSITIONS

if TYPE_CHECKING:
    from hotline.accounts.models import User

#: Assignment statuses that still name the unit that handled (or handles) the order.
HOLDING = [AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED, AssignmentStatus.REPLIED,
           AssignmentStatus.COMPLETED]


def names_the_lead() -> Q:
    """Lead assignments that name the order's lead unit (主办单位): one rule for the order list's lead column and
    `lead_unit` filter, its export, 督办看板 and the open data (Open311 and its CSV).

    On an open order, the current round's lead, which holds it (待签收/办理中/已答复), as the dashboard counts
    it: not the 已完成 lead of an earlier round of a reopened order. On a finished order, the lead that
    completed it (已完成), or the one the approved termination (终止办理) itself released, as the KPI's
    受理量 keeps it (`kpis.bases.ended_by_termination`). Never a lead whose return (退单) was accepted, that
    handed the order down (下派), or that 改派 or a merge (并单) withdrew.
    """
    return Q(role=AssignmentRole.LEAD) & (Q(status__in=ACTIVE_ASSIGNMENT)
                                          | Q(status=AssignmentStatus.COMPLETED) & ~Q(ticket__status__in=OPEN)
                                          | ended_by_termination())


def newest_lead(ticket: OuterRef | F) -> QuerySet[Assignment]:
    """The order's leads that name its unit (`names_the_lead`), newest dispatch first: the first is its lead
    (a finished order reopened and finished again has one per round)."""
    return Assignment.objects.filter(names_the_lead(), ticket=ticket).order_by("-dispatched_at", "-id")


#: Assignment statuses of a unit that still has work to do on the order.
WORKING = [AssignmentStatus.PENDING_SIGN, AssignmentStatus.SIGNED]

#: How many hand-downs below the unit's own `forwarded_still_held` follows: as many as a hand-down may go
#: (`forward` refuses a deeper one).
FORWARD_DEPTH = MAX_HAND_DOWNS


def forwarded_still_held(depth: int = FORWARD_DEPTH) -> Q:
    """Hand-downs (下派) still live: the assignment it created still holds the order (待签收/办理中/已答复), or was
    itself handed further down to one that does (up to `depth` hand-downs).

    A hand-down's assignment stays 已下派 for ever (it only moves back to 办理中 when the unit below returns
    the order); the assignment below ends when the order is finished (completed or withdrawn), and stays ended
    if the order is reopened and dispatched anew. Written on `Assignment` (`OuterRef("pk")` is the 已下派 one).
    """
    below = Q(status__in=ACTIVE_ASSIGNMENT)
    if depth > 1:
        below |= Q(status=AssignmentStatus.FORWARDED) & forwarded_still_held(depth - 1)
    return Q(Exists(Assignment.objects.filter(below, forwarded_from=OuterRef("pk"))))


def _order_finished() -> Exists:
    """The assignment's order is finished (办结、直接答复、转应急、不予受理、并单、终止办理): a subquery, not a join,
    so that `inbox_counts` keeps reading the units' assignments alone."""
    return Exists(Ticket.objects.filter(pk=OuterRef("ticket_id"), status__in=FINISHED))


#: 已下派 with 「含已办结」: every order the unit ever handed down, finished or not.
FORWARDED_ALL = Q(status=AssignmentStatus.FORWARDED)

#: The unit inbox's tabs (待签收 / 办理中 / 即将超期 / 已超期 / 已回复 / 已下派) as conditions on the unit's assignment.
#: 已下派: orders the unit handed down to a unit below it (下派) that are still open and still held below it
#: (`forwarded_still_held`); the row shows who holds them now. `FORWARDED_ALL` (「含已办结」) adds the finished ones.
INBOX_TABS: dict[str, Q] = {
    "sign": Q(status=AssignmentStatus.PENDING_SIGN),
    "doing": Q(status=AssignmentStatus.SIGNED),
    "soon": Q(status__in=WORKING, light=Light.YELLOW),
    "overdue": Q(status__in=WORKING) & (Q(light=Light.RED) | Q(sign_overdue=True) | Q(reply_overdue=True)),
    "replied": Q(status__in=[AssignmentStatus.REPLIED, AssignmentStatus.COMPLETED]),
    "forwarded": FORWARDED_ALL & ~Q(_order_finished()) & forwarded_still_held(),
}


def tab_condition(tab: str, *, include_finished: bool = False) -> Q:
    """The condition of an inbox tab on the unit's assignment; 已下派 with `include_finished` lists every hand-down."""
    return FORWARDED_ALL if tab == "forwarded" and include_finished else INBOX_TABS[tab]


def lead_prefetch() -> Prefetch:
    """The lead (主办) assignments that name the order's unit (`names_the_lead`), newest first, with their unit."""
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(names_the_lead())
        .select_related("unit")
        .order_by("-dispatched_at", "-id"),
        to_attr="lead_assignments",
    )


def for_list(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What every row of a list shows, fetched up front: category, district and the lead unit."""
    return qs.select_related("category", "district").prefetch_related(lead_prefetch())


def attach_lead(orders: Iterable[Ticket]) -> None:
    """Set `ticket.lead` (the newest lead naming the order's unit, `names_the_lead`, or None) from the prefetch."""
    for ticket in orders:
        leads = getattr(ticket, "lead_assignments", None) or []
        ticket.lead = leads[0] if leads else None


def supervision_label(level: int) -> str:
    """The name of an order's supervision level (督办级别: 热线中心、区政府、市政府), "" when not supervised."""
    return str(SupervisionLevel(level).label) if level in SupervisionLevel.values else ""


def attach_supervision(orders: Iterable[Ticket]) -> None:
    """Set `ticket.supervision_label` (see `supervision_label`) for the list's 督办 tag."""
    for ticket in orders:
        ticket.supervision_label = supervision_label(ticket.supervision_level)


def lead_filter(unit: HandlingUnit | int) -> Exact:
    """Orders whose lead unit (主办单位) is `unit`: the unit of their newest lead naming it (`names_the_lead`), as
    the list's lead column shows it and 督办看板 counts it."""
    pk = unit.pk if isinstance(unit, HandlingUnit) else unit
    return Exact(Subquery(newest_lead(OuterRef("pk")).values("unit_id")[:1]), pk)


def any_overdue() -> Q:
    """Orders past their closing deadline or with a unit that signed or replied late (sticky flags)."""
    late = Assignment.objects.filter(Q(sign_overdue=True) | Q(reply_overdue=True), ticket=OuterRef("pk"))
    return Q(close_overdue=True) | Q(Exists(late))


# --- Handling unit inbox -----------------------------------------------------------------------------


def unit_scope(user: User) -> list[int]:
    """The ids of the user's units and of every unit below them (a short list: one query)."""
    return list(HandlingUnit.objects.subtree_of(list(user.units.all())).values_list("pk", flat=True))


def inbox(user: User, units: list[int], tab: str, *, include_finished: bool = False) -> QuerySet[Ticket]:
    """Orders where one of `units` has an assignment in this tab (call `attach_mine` on the page).

    `include_finished` (已下派 only, 「含已办结」): every order the units handed down, not only the open ones.

    `unit_due` (sorted on by `UNIT_DEADLINE_SORTS`) is the earliest `phase_due` of those units'
    assignments in the tab: the deadline the 本单位时限 column shows, not the order's own.

    For unit staff, `units` is their own scope, so those orders are already within what `visible_to`
    lets them see: only its other rule (no confidential order) is added, and the database builds one
    list of order ids instead of two (bench inbox: half the time for a district).
    """
    condition = tab_condition(tab, include_finished=include_finished)
    mine = Assignment.objects.filter(condition, unit__in=units).values("ticket_id")
    visible = Ticket.objects.all().shown_to_units() if user.is_unit_staff else Ticket.objects.visible_to(user)
    # The tab's assignments of the page's orders, whatever the unit; `attach_mine` keeps the units' own.
    # (Filtering by unit here made SQLite read the units' every assignment instead of the page's.)
    in_tab = Assignment.objects.filter(condition).select_related("unit").order_by("sign_due", "id")
    # The units' own deadline (本单位时限) for the 当前时限 sorts: an alias, computed only when sorted on.
    # `unit_id + 0`: looked up through the order's assignments (a few), not the units' (thousands a district).
    own_due = Assignment.objects.filter(condition, ticket=OuterRef("pk")).alias(
        unit_no=F("unit_id") + 0).filter(unit_no__in=units).order_by(
        F("phase_due").asc(nulls_last=True)).values("phase_due")[:1]
    return visible.filter(pk__in=mine).alias(unit_due=Subquery(own_due)).prefetch_related(
        Prefetch("assignments", queryset=in_tab, to_attr="tab_assignments"))


#: The 当前时限 sorts of the unit inbox, on the units' own deadline (`inbox`'s `unit_due`); labels as the common ones.
UNIT_DEADLINE_SORTS: dict[str, list[Any]] = {
    "phase_due": [F("unit_due").asc(nulls_last=True), F("id").asc()],
    "-phase_due": [F("unit_due").desc(nulls_last=True), F("id").desc()],
}


def own_units(user: User) -> set[int]:
    """The ids of the user's own units (not those below): only they act on an order sent to them."""
    return set(user.units.values_list("pk", flat=True))


def attach_mine(orders: Iterable[Ticket], units: list[int], own: set[int] | None = None) -> None:
    """Set `ticket.mine`: its assignments in the tab that belong to `units` (from `inbox`'s prefetch).

    With `own` (the person's own units), also `ticket.bulk_blocked`: none of those assignments is of
    an own unit (a sub-unit's order), so a bulk step such as 签收 cannot be taken on it; and on each of
    them `below`: it is a unit below the person's (a district's street), so the row names that unit.
    """
    wanted = set(units)
    for ticket in orders:
        ticket.mine = [a for a in getattr(ticket, "tab_assignments", []) if a.unit_id in wanted]
        if own is not None:
            ticket.bulk_blocked = not any(a.unit_id in own for a in ticket.mine)
            for a in ticket.mine:
                a.below = a.unit_id not in own


def inbox_counts(units: list[int]) -> dict[str, int]:
    """How many orders each inbox tab holds, in one query (confidential orders never reach units).

    Read from the units' assignments alone (index `assignment_inbox`), leaving out the few confidential
    orders by id, instead of joining every assignment to its order (bench inbox: 315 → 62 ms for a
    district's 100,000 orders).
    """
    confidential = Ticket.objects.filter(is_confidential=True).values("pk")
    rows = Assignment.objects.filter(unit__in=units).exclude(ticket__in=confidential).aggregate(
        **{tab: Count("ticket", filter=condition, distinct=True) for tab, condition in INBOX_TABS.items()}
    )
    return {tab: rows[tab] or 0 for tab in INBOX_TABS}


# --- Centre queues -----------------------------------------------------------------------------------


def with_pending_returns(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Orders with their pending return requests (退单待审) as `pending_returns`, unit and suggestion included."""
    pending = ReturnRequest.objects.filter(status=Decision.PENDING).select_related(
        "assignment__unit", "suggested_unit").order_by("-requested_at", "-id")
    return qs.prefetch_related(Prefetch("returns", queryset=pending, to_attr="pending_returns"))


def with_pending_replies(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Orders with the replies waiting for the centre's review as `pending_replies`."""
    pending = Reply.objects.filter(review_status=Decision.PENDING).select_related("assignment__unit").order_by(
        "-created_at", "-id")
    return qs.prefetch_related(Prefetch("replies", queryset=pending, to_attr="pending_replies"))


#: An order merged into this one whose caller left a number: the master has a phone to call.
_MERGED_WITH_PHONE = Ticket.objects.filter(master=OuterRef("pk"), status=Status.MERGED).exclude(caller_phone="")

#: Earlier than any return visit: the start of a round when no reply of the lead was approved (older data).
_EPOCH = Value(datetime(2000, 1, 1, tzinfo=UTC), output_field=DateTimeField())

#: The 回访 queue's tabs: every order, the citizens' orders to call (电话回访), the proactive ones to check (现场核查).
VISIT_TABS: dict[str, Q] = {
    "all": Q(),
    "call": raised_by_citizens(),
    "verify": ~raised_by_citizens(),
}


def with_visit_round(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Orders with this round's return-visit calls, counted in SQL (no query per row).

    `failed_calls`: the calls that did not reach the citizen since the lead's reply was last approved
    (as `services.failed_attempts` counts them; checks excluded); `phone_to_call`: whether anyone can be called
    back — the order's caller or one merged into it (并单) left a number (`services.review.has_phone_to_call`:
    the row is tagged 无联系电话 only without one); `visit_limit`: the unanswered call that closes the order (as
    `services.visit_attempt_limit`: the centre's 回访设置, 1 without a phone to call).
    """
    approved = Reply.objects.filter(ticket=OuterRef("pk"), assignment__role=AssignmentRole.LEAD,
                                    review_status=Decision.APPROVED).order_by("-reviewed_at").values("reviewed_at")[:1]
    calls = (ReturnVisit.objects.filter(ticket=OuterRef("pk"), contacted=False,
                                        created_at__gte=OuterRef("visit_round_start"))
             .exclude(method=VisitMethod.VERIFY).order_by().values("ticket").annotate(n=Count("pk")).values("n"))
    setting = VisitSettings.objects.filter(pk=1).values("max_attempts")[:1]  # as `VisitSettings.current()`
    default = VisitSettings._meta.get_field("max_attempts").get_default()
    return qs.annotate(
        visit_round_start=Coalesce(Subquery(approved), _EPOCH),
        failed_calls=Coalesce(Subquery(calls, output_field=IntegerField()), 0),
        phone_to_call=ExpressionWrapper(~Q(caller_phone="") | Exists(_MERGED_WITH_PHONE),
                                        output_field=BooleanField()),
        visit_limit=Case(When(phone_to_call=False, then=Value(1)),
                         default=Coalesce(Subquery(setting, output_field=IntegerField()), default),
                         output_field=IntegerField()),
    )


def visit_counts(qs: QuerySet[Ticket]) -> dict[str, int]:
    """How many orders each tab of the 回访 queue holds (one query)."""
    return qs.aggregate(**{key: Count("pk", filter=condition) for key, condition in VISIT_TABS.items()})


def lead_late() -> QuerySet[Assignment]:
    """The orders' leads (the newest naming the unit, `newest_lead`) that signed or replied late: the lead unit's
    own lateness. Not an earlier round's lead of a reopened order: its lateness is that round's history."""
    return Assignment.objects.filter(Q(sign_overdue=True) | Q(reply_overdue=True),
                                     pk=Subquery(newest_lead(OuterRef("ticket_id")).values("pk")[:1]))


def lead_late_filter(unit: HandlingUnit | int | None = None) -> Exists:
    """Orders whose lead (the newest naming their unit) signed or replied late (`lead_late`); with `unit`, late on
    that unit's own lead assignment — one condition, as 督办看板 counts a unit's overdue orders (`overdue=lead` together
    with `lead_unit`): not an order the unit held on time and another lead then let run late."""
    late = lead_late().filter(ticket=OuterRef("pk"))
    return Exists(late if unit is None else late.filter(unit=unit))


def supervision_board(qs: QuerySet[Ticket]) -> list[dict]:
    """Open orders by lead unit: how many are yellow, red, overdue or chased by citizens (one GROUP BY query).

    Lights are counted as the order list counts them (same light, same lead), so those numbers link to
    the list filtered by `lead_unit`, `state=open` and the light. Overdue is the lead unit's own
    lateness only: its assignment signed or replied late. An assisting unit's late step or the centre's
    closing delay (`close_overdue`) is not the lead unit's; the number links to the list filtered by
    `lead_unit` and `overdue=lead`, which together ask for the late flags on that unit's own lead assignment
    (`lead_late_filter`), as counted here. 群众催办 counts the orders chased at least once
    (`chase_count`, which only chases while a unit holds the order raise), linking to `chased=1`: a much-chased
    order still green is seen here too. `unit__is_active` marks a switched-off unit (已停用), whose orders the
    centre is to reassign (改派). An open order counts for its current round's lead only (`names_the_lead`), as
    on the dashboard: not for the unit that led an earlier round of a reopened order, nor with that round's
    lateness.
    """
    open_orders = qs.filter(status__in=OPEN)
    overdue = Q(sign_overdue=True) | Q(reply_overdue=True)
    rows = (  # an open order's lead is its current round's (`names_the_lead`): one per order
        Assignment.objects.filter(names_the_lead(), ticket__in=open_orders)
        .values("unit_id", "unit__name", "unit__is_active")
        .annotate(
            total=Count("ticket", distinct=True),
            yellow=Count("ticket", filter=Q(ticket__light=Light.YELLOW), distinct=True),
            red=Count("ticket", filter=Q(ticket__light=Light.RED), distinct=True),
            overdue=Count("ticket", filter=overdue, distinct=True),
            chased=Count("ticket", filter=Q(ticket__chase_count__gte=1), distinct=True),
        )
        .filter(Q(yellow__gt=0) | Q(red__gt=0) | Q(overdue__gt=0) | Q(chased__gt=0))
        .order_by("-red", "-overdue", "-yellow", "-chased", "unit__name")
    )
    return list(rows)


# --- Requests waiting for the centre's decision (待审批) ----------------------------------------------


@dataclass(frozen=True)
class PendingKind:
    """A kind of unit request the centre decides: its record, when it was asked, and the steps that decide it."""

    model: type[Model]
    related: str  #: the order's reverse relation to the records
    asked: str  #: the field holding when the unit asked
    unit: str  #: the path to the requesting unit
    decisions: tuple[str, ...]
    #: the order statuses in which such a request can be decided (None: any)
    statuses: frozenset[str] | None = None

    def waiting(self) -> QuerySet:
        """The undecided records of this kind, of orders where a decision can still be taken."""
        qs = self.model.objects.filter(status=Decision.PENDING)
        return qs.filter(ticket__status__in=self.statuses) if self.statuses is not None else qs


#: 延期, 不合理诉求, 申诉 and 终止办理 (only while the order is 办理中/待群众补充), keyed as `pending=` names them.
PENDING_KINDS: dict[str, PendingKind] = {
    "extension": PendingKind(Extension, "extensions", "requested_at", "assignment__unit",
                             (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION)),
    "unreasonable": PendingKind(UnreasonableClaim, "unreasonable_claims", "applied_at", "unit",
                                (Action.DECIDE_UNREASONABLE,)),
    "appeal": PendingKind(Appeal, "appeals", "applied_at", "unit", (Action.DECIDE_APPEAL,)),
    "termination": PendingKind(TerminationRequest, "termination_requests", "applied_at", "unit",
                               (Action.DECIDE_TERMINATION,), TRANSITIONS[Action.DECIDE_TERMINATION].sources),
}

#: Later than any request: stands in for "none of this kind" when the oldest of several kinds is taken.
_NEVER = Value(datetime(9999, 12, 31, tzinfo=UTC), output_field=DateTimeField())


def kinds_decided_by(user: User) -> list[str]:
    """The kinds of request this person's role may decide (a dispatcher: extensions only)."""
    return [key for key, kind in PENDING_KINDS.items()
            if any(user.role in TRANSITIONS[action].roles for action in kind.decisions)]


def _pending(key: str) -> QuerySet:
    return PENDING_KINDS[key].waiting().filter(ticket=OuterRef("pk"))


def pending_filter(kinds: Iterable[str]) -> Q:
    """Orders with at least one undecided request of these kinds."""
    condition = Q(pk__in=[])
    for key in kinds:
        condition |= Q(Exists(_pending(key)))
    return condition


def awaiting_decision(qs: QuerySet[Ticket], kinds: list[str]) -> QuerySet[Ticket]:
    """Orders with an undecided request of `kinds` (待审批), annotated with `pending_since` (the oldest one)
    and with those requests prefetched for `attach_pending`."""
    firsts = [Subquery(_pending(key).order_by(PENDING_KINDS[key].asked).values(PENDING_KINDS[key].asked)[:1])
              for key in kinds]
    since = firsts[0] if len(firsts) == 1 else Least(*(Coalesce(first, _NEVER) for first in firsts))
    prefetches = [
        Prefetch(PENDING_KINDS[key].related, to_attr=f"pending_{key}",
                 queryset=PENDING_KINDS[key].waiting()
                 .select_related(PENDING_KINDS[key].unit).order_by(PENDING_KINDS[key].asked, "id"))
        for key in kinds
    ]
    return qs.filter(pending_filter(kinds)).annotate(pending_since=since).prefetch_related(*prefetches)


@dataclass(frozen=True)
class PendingRequest:
    """One undecided request as the 待审批 queue shows it."""

    kind: str
    record: Model
    unit: HandlingUnit
    asked_at: datetime


def attach_pending(orders: Iterable[Ticket], kinds: list[str]) -> None:
    """Set `ticket.pending`: its undecided requests of `kinds`, oldest first (from `awaiting_decision`)."""
    for ticket in orders:
        rows = []
        for key in kinds:
            kind = PENDING_KINDS[key]
            for record in getattr(ticket, f"pending_{key}", []):
                unit = record
                for part in kind.unit.split("__"):
                    unit = getattr(unit, part)
                rows.append(PendingRequest(key, record, unit, getattr(record, kind.asked)))
        ticket.pending = sorted(rows, key=lambda r: (r.asked_at, r.record.pk))
