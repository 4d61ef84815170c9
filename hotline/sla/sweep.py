"""The light sweep (`hotline sla-sweep`): move traffic lights forward as time passes, in set-based SQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.db import connections, router, transaction
from django.db.models import BooleanField, Case, Exists, F, Model, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from hotline.core import clock
from hotline.sla.choices import Light
from hotline.tickets.choices import ACTIVE_ASSIGNMENT, Action, AssignmentRole, AssignmentStatus, Decision
from hotline.tickets.models import Assignment, Extension, Ticket
from hotline.tickets.transitions import TRANSITIONS

#: `light IN ('green', 'yellow')`: the lights of a running deadline that the sweep may still move forward.
#: The two values are written into the SQL rather than bound: SQLite can then use a partial index whose
#: condition is this same term for the red UPDATE (its planner matches a bound parameter against a
#: partial index's constant only in a plain comparison, not inside an IN list). Fixed enum values only.
_RUNNING_LIGHT = RawSQL(  # noqa: S611
    f"light IN ('{Light.GREEN.value}', '{Light.YELLOW.value}')", (), output_field=BooleanField(),
)
#: Earlier than any yellow mark the platform can hold. Bounding `phase_yellow_at` on both sides makes
#: SQLite's planner (which keeps no statistics unless ANALYZE runs) prefer the (light, phase_yellow_at)
#: index over (light, phase_due) for the yellow UPDATE: with the latter, every run would scan all
#: green rows not yet due instead of only those past their yellow mark.
_YELLOW_FLOOR = datetime(2000, 1, 1, tzinfo=UTC)
#: SQLite page cache (KiB) the sweep asks for while it runs. With SQLite's default of 2 MB, a catch-up
#: sweep over a large backlog re-reads and re-writes the same index pages many times (at 1,000,000
#: open orders it costs about 1.5 times the CPU). Memory is only taken as pages are actually read, and
#: the connection's own setting is restored afterwards.
SQLITE_CACHE_KIB = 262_144


@dataclass(frozen=True)
class SweepResult:
    """How many rows one sweep turned yellow and red."""

    tickets_yellow: int = 0
    tickets_red: int = 0
    assignments_yellow: int = 0
    assignments_red: int = 0

    @property
    def total(self) -> int:
        """Rows changed by the sweep."""
        return self.tickets_yellow + self.tickets_red + self.assignments_yellow + self.assignments_red

    def as_dict(self) -> dict[str, int]:
        """The counts, for JSON output."""
        return asdict(self)


def _to_red(model: type[Model], alias: str, now: datetime, *exclude: Q, **flags: object) -> int:
    """Turn red every unpaused running deadline that is due, setting the overdue flags in the same UPDATE."""
    return model.objects.using(alias).filter(
        _RUNNING_LIGHT, *[~q for q in exclude], phase_due__lte=now, paused_at__isnull=True,
    ).update(light=Light.RED, **flags)


def awaiting_extension(*, since: str = "phase_started_at", due: str = "phase_due") -> Q:
    """The unit asked for more time before its deadline and the centre has not decided yet (延期待审批).

    Such a deadline is not missed while it waits: it goes no further than yellow, and the centre's
    answer moves it (approved) or lets the next sweep turn it red and flag it (denied). Only a request
    of the running phase counts (filed since `phase_started_at`): one left over from an earlier phase
    (before a re-handling, say) holds nothing. The indicators use the same condition (`kpis.definitions`):
    on an assignment's running deadline as here, and, with `since`/`due` naming the dispatch and the reply
    deadline, on one that replied after its deadline while such a request waited (its phase is over).
    """
    return Q(Exists(Extension.objects.filter(
        assignment=OuterRef("pk"), status=Decision.PENDING,
        requested_at__gte=OuterRef(since), requested_at__lt=OuterRef(due))))


def _order_awaiting_extension() -> Q:
    """The order's current lead unit asked for more time before the order's running deadline; undecided.

    The approval of the lead's request moves the closing deadline too (`sla.extend`), so the order is
    held like the assignment: it would otherwise be flagged 办结超期 for good while the request waits,
    even when the extension is then granted. An assisting unit's request does not move the closing
    deadline and holds nothing, nor does a request from before the order's running phase.
    """
    return Q(Exists(Extension.objects.filter(
        Q(assignment__role=AssignmentRole.LEAD, assignment__status__in=list(ACTIVE_ASSIGNMENT)),
        ticket=OuterRef("pk"), status=Decision.PENDING,
        requested_at__gte=OuterRef("phase_started_at"), requested_at__lt=OuterRef("phase_due"))))


#: What an assisting unit (协办) must still do in each of its running statuses: its clock is judged only while
#: the order is in a status where the transition table lets it do that (协办签收 still to sign, 协办答复 signed).
_ASSIST_STEP = {AssignmentStatus.PENDING_SIGN: Action.SIGN_ASSIST, AssignmentStatus.SIGNED: Action.ASSIST_REPLY}


def _assist_moot(assignment_status: str) -> Q:
    """An assisting unit in `assignment_status` on an order where the transition table closes its next step."""
    can_act = TRANSITIONS[_ASSIST_STEP[assignment_status]].sources
    return Q(role=AssignmentRole.ASSIST, status=assignment_status) & Q(Exists(
        Ticket.objects.filter(pk=OuterRef("ticket_id")).exclude(status__in=sorted(can_act))))


def assist_reply_moot() -> Q:
    """An assisting unit's reply deadline on an order where it may no longer reply: its opinion is moot.

    协办答复 is open only in the statuses of the transition table (`ASSIST_REPLY`); past them — the lead's
    reply approved, the order waiting for the return visit (待回访) — the assisting unit cannot give it, so
    the sweep no longer judges its reply clock (docs/sla.md §6: a unit is never late for time it could not
    act): its light stays as it was and no `reply_overdue` is set. When the order ends its handling goes with
    it (已撤回); if the visit sends the order back (重办), the clock is judged again.
    """
    return _assist_moot(AssignmentStatus.SIGNED)


def assist_sign_moot() -> Q:
    """An assisting unit's sign deadline on an order where it may not sign (协办签收 closed, as in 待回访).

    The same rule as `assist_reply_moot` for a unit still to sign: its light stays as it was and no
    `sign_overdue` is set, and the indicators leave it out of 签收及时率 (`kpis.definitions.sign_missed`).
    """
    return _assist_moot(AssignmentStatus.PENDING_SIGN)


def assist_moot() -> Q:
    """An assisting unit's running deadline (sign or reply) on an order where it may not take that step now."""
    return assist_sign_moot() | assist_reply_moot()


def assist_clock_moot(assignment: Assignment, ticket_status: str) -> bool:
    """Whether this assignment's clock is moot on an order in `ticket_status` (`assist_moot`, for one row).

    The one predicate the sweep's condition reads, for a service holding the row: the order's closing
    (`review._finish`) does not judge what the sweep stopped judging.
    """
    step = _ASSIST_STEP.get(assignment.status)
    return (assignment.role == AssignmentRole.ASSIST and step is not None
            and ticket_status not in TRANSITIONS[step].sources)


def _to_yellow(model: type[Model], alias: str, now: datetime, *held: Q, exclude: tuple[Q, ...] = ()) -> int:
    """Turn yellow every unpaused green deadline past its yellow mark but not yet due (or due but `held`)."""
    not_due = Q(phase_due__gt=now)
    for q in held:
        not_due |= q
    return model.objects.using(alias).filter(
        not_due, *[~q for q in exclude], light=Light.GREEN, phase_yellow_at__range=(_YELLOW_FLOOR, now),
        paused_at__isnull=True,
    ).update(light=Light.YELLOW)


def _after_dispatch() -> Case:
    """`close_overdue` becomes true once the order has a closing deadline; before it (an online request's
    acceptance limit, 网上受理时限) it keeps its value: `accepted_at` against `accept_due` tells that one."""
    return Case(When(Q(close_due__isnull=True), then=F("close_overdue")), default=Value(True),
                output_field=BooleanField())


def _sticky(flag: str, status: str) -> Case:
    """`flag` becomes true for rows in `status` and keeps its value for the others (overdue is history)."""
    return Case(When(Q(status=status), then=Value(True)), default=F(flag), output_field=BooleanField())


def sweep(now: datetime | None = None) -> SweepResult:
    """Move lights forward (green → yellow → red) for orders and assignments with four set-based UPDATEs.

    Only rows with a running deadline (`phase_due` set, light green or yellow) that are not paused are
    considered (a pause, 待群众补充, stops the order and every unit whose clock runs: signed, or an assisting
    unit still to sign, whose sign light and `sign_overdue` then wait for the resume), and an assignment
    whose unit asked for more time before its deadline goes no further than yellow until the centre decides (`awaiting_extension`), and so does its order
    (`_order_awaiting_extension`). An assisting unit's clock is not judged while it may not take its step:
    its reply once it may no longer reply (`assist_reply_moot`: the lead's reply approved), its signing where
    协办签收 is closed (`assist_sign_moot`). Turning red also sets the sticky
    overdue flags: `sign_overdue` on an assignment still waiting to be signed, `reply_overdue` on a
    signed one, `close_overdue` on the order. Each UPDATE
    re-checks its condition in its WHERE clause, so a second run changes nothing and overlapping runs
    are harmless. The filters match the indexes (light, phase_due) and (light, phase_yellow_at), and also
    the partial indexes on Ticket and Assignment (`ticket_running_due`, `ticket_green_yellow`, …). On SQLite the connection
    gets a larger page cache while the sweep runs (`SQLITE_CACHE_KIB`).

    The sweep writes no timeline events and does not bump `Ticket.version`: a light is derived state
    (a function of the stored deadlines and the clock), not a lifecycle step, so it must neither
    clutter the audit trail nor make an open form's optimistic lock fail.
    """
    at = clock.now() if now is None else now
    if timezone.is_naive(at):
        raise ValueError("sweep() needs an aware datetime")
    alias = router.db_for_write(Ticket)
    with _sqlite_page_cache(alias, SQLITE_CACHE_KIB), transaction.atomic(using=alias):
        tickets_red = _to_red(Ticket, alias, at, _order_awaiting_extension(), close_overdue=_after_dispatch())
        assignments_red = _to_red(
            Assignment, alias, at, awaiting_extension(), assist_moot(),
            sign_overdue=_sticky("sign_overdue", AssignmentStatus.PENDING_SIGN),
            reply_overdue=_sticky("reply_overdue", AssignmentStatus.SIGNED),
        )
        tickets_yellow = _to_yellow(Ticket, alias, at, _order_awaiting_extension())
        assignments_yellow = _to_yellow(Assignment, alias, at, awaiting_extension(), exclude=(assist_moot(),))
    return SweepResult(
        tickets_yellow=tickets_yellow, tickets_red=tickets_red,
        assignments_yellow=assignments_yellow, assignments_red=assignments_red,
    )


@contextmanager
def _sqlite_page_cache(alias: str, kib: int) -> Iterator[None]:
    """On SQLite, raise this connection's page cache to at least `kib` KiB for the block, then restore it."""
    connection = connections[alias]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA page_size")
        page_size = int(cursor.fetchone()[0])
        current_kib = -before if before < 0 else before * page_size // 1024
        if current_kib < kib:
            cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        if current_kib < kib and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {before}")
