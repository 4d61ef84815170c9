"""The light sweep: green → yellow → red at the right moments, overdue flags, pauses, idempotency, cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.core import clock
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla.choices import Light
from hotline.sla.sweep import SweepResult, sweep
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Status
from hotline.tickets.models import Assignment, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
#: When the deadlines of the rows below start running.
T0 = datetime(2025, 11, 4, 9, 0, tzinfo=SH)
YELLOW = T0 + timedelta(hours=8)
DUE = T0 + timedelta(hours=10)
TICK = timedelta(microseconds=1)
#: At AT: (yellow mark, due) of a deadline still green, one turning yellow, one turning red.
AT = T0 + timedelta(hours=9)
STATES = {
    "green": (T0 + timedelta(hours=10), T0 + timedelta(hours=12)),
    "yellow": (T0 + timedelta(hours=8), T0 + timedelta(hours=10)),
    "red": (T0 + timedelta(hours=6), T0 + timedelta(hours=8)),
}


@pytest.fixture
def unit() -> HandlingUnit:
    return HandlingUnit.objects.create(code="S1", name="东华门街道", kind=UnitKind.STREET)


def make_order(
    unit: HandlingUnit,
    *,
    yellow: datetime | None = YELLOW,
    due: datetime | None = DUE,
    light: str = Light.GREEN,
    assignment_status: str = AssignmentStatus.PENDING_SIGN,
    paused_at: datetime | None = None,
    sign_overdue: bool = False,
) -> tuple[Ticket, Assignment]:
    """An order with one lead assignment whose running deadlines (both) are `yellow` / `due`, set directly."""
    ticket = Ticket.objects.create(
        query_code="123456", request_type="complaint", title="路灯不亮", description="小区路灯不亮",
        status=Status.DISPATCHED if assignment_status == AssignmentStatus.PENDING_SIGN else Status.IN_PROGRESS,
        version=2, registered_at=T0 - timedelta(minutes=30), close_due=due, close_basis="clock",
        phase_started_at=T0 if due else None, phase_due=due, phase_yellow_at=yellow, light=light,
        paused_at=paused_at,
    )
    assignment = Assignment.objects.create(
        ticket=ticket, unit=unit, role=AssignmentRole.LEAD, status=assignment_status, dispatched_at=T0,
        signed_at=T0 + timedelta(minutes=5) if assignment_status != AssignmentStatus.PENDING_SIGN else None,
        sign_due=T0 + timedelta(hours=1), return_due=T0 + timedelta(hours=1), reply_due=due or DUE,
        reply_basis="clock", phase_started_at=T0 if due else None, phase_due=due, phase_yellow_at=yellow,
        light=light, paused_at=paused_at, sign_overdue=sign_overdue,
    )
    return ticket, assignment


def fresh(*objs: Ticket | Assignment) -> list[Ticket | Assignment]:
    for obj in objs:
        obj.refresh_from_db()
    return list(objs)


def test_green_until_the_yellow_mark_then_yellow_until_due_then_red(unit: HandlingUnit) -> None:
    ticket, assignment = make_order(unit)

    assert sweep(YELLOW - TICK) == SweepResult()
    assert {o.light for o in fresh(ticket, assignment)} == {Light.GREEN}

    assert sweep(YELLOW) == SweepResult(tickets_yellow=1, assignments_yellow=1)
    assert {o.light for o in fresh(ticket, assignment)} == {Light.YELLOW}

    assert sweep(DUE - TICK) == SweepResult()
    assert {o.light for o in fresh(ticket, assignment)} == {Light.YELLOW}
    assert not ticket.close_overdue and not assignment.sign_overdue

    assert sweep(DUE) == SweepResult(tickets_red=1, assignments_red=1)
    ticket, assignment = fresh(ticket, assignment)
    assert ticket.light == assignment.light == Light.RED
    assert ticket.close_overdue and assignment.sign_overdue and not assignment.reply_overdue


def test_green_past_due_goes_straight_to_red(unit: HandlingUnit) -> None:
    ticket, assignment = make_order(unit)
    assert sweep(DUE + timedelta(days=3)) == SweepResult(tickets_red=1, assignments_red=1)
    assert {o.light for o in fresh(ticket, assignment)} == {Light.RED}


def test_red_on_a_signed_assignment_marks_the_reply_overdue_and_keeps_the_sign_flag(unit: HandlingUnit) -> None:
    _, late_signer = make_order(unit, assignment_status=AssignmentStatus.SIGNED, sign_overdue=True)
    _, on_time = make_order(unit, assignment_status=AssignmentStatus.SIGNED)
    sweep(DUE)
    late_signer, on_time = fresh(late_signer, on_time)
    assert late_signer.reply_overdue and late_signer.sign_overdue  # history is never cleared
    assert on_time.reply_overdue and not on_time.sign_overdue


def test_paused_rows_do_not_change(unit: HandlingUnit) -> None:
    paused_at = T0 + timedelta(hours=2)
    ticket, assignment = make_order(unit, assignment_status=AssignmentStatus.SIGNED, paused_at=paused_at)
    yellow_ticket, yellow_assignment = make_order(unit, light=Light.YELLOW, paused_at=paused_at)

    assert sweep(DUE + timedelta(days=10)) == SweepResult()
    ticket, assignment, yellow_ticket, yellow_assignment = fresh(ticket, assignment, yellow_ticket, yellow_assignment)
    assert ticket.light == assignment.light == Light.GREEN
    assert yellow_ticket.light == yellow_assignment.light == Light.YELLOW
    assert not (ticket.close_overdue or assignment.reply_overdue or yellow_assignment.sign_overdue)


def test_rows_without_a_running_deadline_and_red_rows_are_left_alone(unit: HandlingUnit) -> None:
    stopped, stopped_assignment = make_order(unit, yellow=None, due=None, light=Light.NONE)
    red, red_assignment = make_order(unit, light=Light.RED)

    assert sweep(DUE + timedelta(days=1)) == SweepResult()
    stopped, stopped_assignment, red, red_assignment = fresh(stopped, stopped_assignment, red, red_assignment)
    assert stopped.light == stopped_assignment.light == Light.NONE
    assert red.light == red_assignment.light == Light.RED
    assert not red.close_overdue  # only the sweep's own transition to red sets the flag


def test_a_second_run_changes_nothing(unit: HandlingUnit) -> None:
    for yellow, due in STATES.values():
        make_order(unit, yellow=yellow, due=due)
    first = sweep(AT)
    assert first == SweepResult(tickets_yellow=1, tickets_red=1, assignments_yellow=1, assignments_red=1)
    before = list(Ticket.objects.values()), list(Assignment.objects.values())

    assert sweep(AT) == SweepResult()
    assert sweep(AT).total == 0
    assert (list(Ticket.objects.values()), list(Assignment.objects.values())) == before


def test_no_timeline_event_no_version_bump_no_updated_at(unit: HandlingUnit) -> None:
    ticket, _ = make_order(unit)
    events = TimelineEvent.objects.count()
    version, updated_at = ticket.version, ticket.updated_at

    sweep(DUE)
    ticket.refresh_from_db()
    assert ticket.light == Light.RED
    assert TimelineEvent.objects.count() == events
    assert (ticket.version, ticket.updated_at) == (version, updated_at)


def test_without_an_argument_the_sweep_reads_the_domain_clock(unit: HandlingUnit) -> None:
    ticket, _ = make_order(unit)
    with clock.frozen(YELLOW):
        assert sweep().tickets_yellow == 1
    with time_machine.travel(DUE, tick=False):
        assert sweep().tickets_red == 1
    assert fresh(ticket)[0].light == Light.RED


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        sweep(datetime(2025, 11, 4, 12, 0))  # noqa: DTZ001


def test_the_moment_may_be_in_any_time_zone(unit: HandlingUnit) -> None:
    ticket, _ = make_order(unit)
    assert sweep(YELLOW.astimezone(UTC)).tickets_yellow == 1
    assert fresh(ticket)[0].light == Light.YELLOW


def _bulk_orders(unit: HandlingUnit, n: int) -> int:
    """`n` orders cycling through green, turning yellow, turning red and paused; returns how many change."""
    kinds = ["green", "yellow", "red", "paused"]
    tickets = []
    for i in range(n):
        kind = kinds[i % 4]
        yellow, due = STATES["red" if kind == "paused" else kind]
        tickets.append(Ticket(
            query_code="000000", request_type="help", title=f"工单{i}", description="内容", status=Status.DISPATCHED,
            registered_at=T0, phase_started_at=T0, phase_due=due, phase_yellow_at=yellow, light=Light.GREEN,
            paused_at=T0 if kind == "paused" else None,
        ))
    Ticket.objects.bulk_create(tickets)
    Assignment.objects.bulk_create([
        Assignment(ticket=t, unit=unit, role=AssignmentRole.LEAD, dispatched_at=T0, sign_due=t.phase_due,
                   return_due=t.phase_due, reply_due=t.phase_due, reply_basis="clock", phase_started_at=T0,
                   phase_due=t.phase_due, phase_yellow_at=t.phase_yellow_at, light=Light.GREEN,
                   paused_at=t.paused_at)
        for t in Ticket.objects.all()
    ])
    return sum(1 for i in range(n) if kinds[i % 4] in ("yellow", "red"))


@pytest.mark.parametrize("n", [10, 200])
def test_a_constant_small_number_of_queries_whatever_the_row_count(
    unit: HandlingUnit, n: int, django_assert_max_num_queries: object,
) -> None:
    changed = _bulk_orders(unit, n)
    with django_assert_max_num_queries(14), CaptureQueriesContext(connection) as captured:  # type: ignore[operator]
        result = sweep(AT)
    assert result.total == 2 * changed
    assert Ticket.objects.filter(light=Light.GREEN).count() == n - changed
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 4  # red, then yellow, for each of the two tables
    assert not any(q["sql"].lstrip().upper().startswith("SELECT") for q in captured.captured_queries)


def test_the_connection_page_cache_is_restored(unit: HandlingUnit) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        sweep(DUE)
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == before
