"""An order's handling ends while it waits for the citizen (待群众补充, docs/sla.md §7): the paused units settle.

The default 一般 policy: sign within 1 working day, reply within 5 working days. Dispatched Tue 2025-03-04
10:00 to a lead and one assisting unit (sign by Wed 03-05 10:00, reply by Tue 03-11 10:00); the lead signs
at once and later asks the citizen; the assisting unit has not signed. The handling then ends while the
order is paused: merged into a master (并单) or terminated (终止办理). Neither resumes the clock, so each
paused assignment is judged when it ends: late only for a deadline already passed when the pause began
(as `kpis.definitions.sign_missed` reads a paused row), and no finished assignment keeps a pause mark.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q

from hotline.kpis.bases import HOLDING
from hotline.kpis.definitions import open_overdue, sign_missed
from hotline.sla import services as sla
from hotline.sla.choices import Basis, Light, LimitUnit
from hotline.sla.models import SlaPolicy
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Satisfaction, Status, TerminationReason
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
DISPATCHED = datetime(2025, 3, 4, 10, tzinfo=SH)  # Tue; no holiday in March 2025
SIGN_DUE = datetime(2025, 3, 5, 10, tzinfo=SH)
BEFORE_SIGN_DUE = datetime(2025, 3, 4, 14, tzinfo=SH)
AFTER_SIGN_DUE = datetime(2025, 3, 5, 11, tzinfo=SH)  # an hour late, and no sweep ran in between
ENDED = datetime(2025, 3, 7, 15, tzinfo=SH)  # Fri: past the unshifted sign deadline either way


def _helper(ticket: Ticket) -> Assignment:
    return Assignment.objects.get(ticket=ticket, role=AssignmentRole.ASSIST)


def _lead(ticket: Ticket) -> Assignment:
    return Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD)


def _paused(traveller, paused: datetime) -> tuple[Cast, Ticket]:  # noqa: ANN001
    """The lead signed at dispatch and asked the citizen at `paused`; the assisting unit is still 待签收."""
    traveller.move_to(DISPATCHED)
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, assist_signs=False)
    traveller.move_to(paused)
    services.request_info(ticket, actor=cast.lead_handler, unit=cast.lead, question="请提供具体门牌号")
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_CITIZEN and _helper(ticket).paused_at == paused
    return cast, ticket


def _merge(cast: Cast, ticket: Ticket) -> None:
    master = make_ticket(Status.PENDING_DISPATCH)
    ticket.refresh_from_db()
    services.merge(ticket, actor=cast.dispatcher, master=master)


def _terminate(cast: Cast, ticket: Ticket) -> None:
    ticket.refresh_from_db()
    services.apply_termination(ticket, actor=cast.lead_handler, unit=cast.lead,
                               reason_code=TerminationReason.WITHDRAWN, reason="诉求人来电撤回诉求")
    services.decide_termination(ticket, actor=cast.dispatcher, approve=True, note="经核实诉求人已撤回")


ENDINGS: dict[str, Callable[[Cast, Ticket], None]] = {"merge": _merge, "terminate": _terminate}


@pytest.mark.parametrize("end", ENDINGS.values(), ids=ENDINGS.keys())
def test_an_assisting_unit_paused_past_its_sign_deadline_is_sign_overdue_when_the_handling_ends(traveller, end):
    cast, ticket = _paused(traveller, AFTER_SIGN_DUE)
    assert not _helper(ticket).sign_overdue  # no sweep ran between the deadline and the pause
    traveller.move_to(ENDED)
    end(cast, ticket)
    helper = _helper(ticket)
    assert helper.status == AssignmentStatus.WITHDRAWN and helper.signed_at is None
    assert helper.sign_overdue
    assert helper.paused_at is None and helper.light == Light.NONE


@pytest.mark.parametrize("end", ENDINGS.values(), ids=ENDINGS.keys())
def test_an_assisting_unit_paused_before_its_sign_deadline_is_not_late_when_the_handling_ends(traveller, end):
    """Its clock stood still from the pause on: the unshifted deadline passing during the wait is nobody's fault."""
    cast, ticket = _paused(traveller, BEFORE_SIGN_DUE)
    traveller.move_to(ENDED)
    sweep()
    end(cast, ticket)
    helper, lead = _helper(ticket), _lead(ticket)
    assert helper.status == AssignmentStatus.WITHDRAWN and not helper.sign_overdue
    assert helper.paused_at is None
    assert lead.status == AssignmentStatus.WITHDRAWN and not lead.reply_overdue and lead.paused_at is None


@pytest.mark.parametrize("end", ENDINGS.values(), ids=ENDINGS.keys())
def test_a_lead_paused_past_its_reply_deadline_is_reply_overdue_when_the_handling_ends(traveller, end):
    """The same rule for a signed unit: a reply deadline passed before the pause stays passed (§7)."""
    cast, ticket = _paused(traveller, datetime(2025, 3, 11, 11, tzinfo=SH))  # the reply was due Tue 10:00
    traveller.move_to(datetime(2025, 3, 13, 10, tzinfo=SH))
    end(cast, ticket)
    lead = _lead(ticket)
    assert lead.reply_overdue and lead.paused_at is None


def test_a_merged_order_leaves_no_pause_mark_on_its_withdrawn_assignments(traveller):
    """并单 ends the handling in one transaction: the order and every released unit carry no running pause."""
    cast, ticket = _paused(traveller, BEFORE_SIGN_DUE)
    traveller.move_to(ENDED)
    _merge(cast, ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.MERGED and ticket.paused_at is None
    assert not Assignment.objects.filter(ticket=ticket, paused_at__isnull=False).exists()
    assert set(Assignment.objects.filter(ticket=ticket).values_list("status", flat=True)) == {
        AssignmentStatus.WITHDRAWN}


def test_the_sweep_and_the_indicators_take_a_merged_orders_units_as_finished(traveller):
    cast, ticket = _paused(traveller, BEFORE_SIGN_DUE)
    traveller.move_to(ENDED)
    _merge(cast, ticket)
    before = {a.pk: (a.light, a.sign_overdue, a.reply_overdue) for a in Assignment.objects.filter(ticket=ticket)}
    traveller.move_to(datetime(2025, 3, 20, 10, tzinfo=SH))  # past every unshifted deadline
    result = sweep()
    assert result.assignments_red == result.assignments_yellow == 0
    after = {a.pk: (a.light, a.sign_overdue, a.reply_overdue) for a in Assignment.objects.filter(ticket=ticket)}
    assert after == before
    now = datetime(2025, 3, 20, 10, tzinfo=SH)
    mine = Assignment.objects.filter(ticket=ticket)
    # Not paused any more, and finished: no indicator counts them as a unit still to sign or still handling.
    assert not mine.filter(sign_missed(now)).exists()
    assert not mine.filter(Q(status__in=HOLDING, replied_at__isnull=True) & open_overdue(now)).exists()


def test_closing_after_the_resume_leaves_no_pause_mark(traveller):
    """The lead replies only after the resume (回复 needs 办理中), which clears every pause mark: when the reply
    is accepted and the order closes, the assisting unit still to sign is withdrawn with no pause to settle;
    its sign light, running again since the resume, is the sweep's to judge."""
    cast, ticket = _paused(traveller, BEFORE_SIGN_DUE)
    traveller.move_to(datetime(2025, 3, 5, 9, tzinfo=SH))
    ticket.refresh_from_db()
    services.resume(ticket, actor=cast.lead_handler, unit=cast.lead, note="群众已补充")
    services.reply(ticket, actor=cast.lead_handler, unit=cast.lead, content="已安排维修", public_reply="已修复",
                   contacted=True, resolved=True, is_truthful=True)
    services.approve_reply(ticket, actor=cast.inspector)
    services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    helper = _helper(ticket)
    assert helper.status == AssignmentStatus.WITHDRAWN and helper.paused_at is None and not helper.sign_overdue


def test_settle_pause_flags_only_a_deadline_passed_before_the_pause(traveller):
    _cast, ticket = _paused(traveller, AFTER_SIGN_DUE)
    helper = _helper(ticket)
    sla.settle_pause(helper)
    assert helper.sign_overdue and helper.paused_at is None
    sla.settle_pause(helper)  # nothing left to settle: the flag stays (sticky)
    assert helper.sign_overdue


# --- Migration 0020: the stored sign axis, and the pause marks older merges left behind ------------------

migration = importlib.import_module("hotline.tickets.migrations.0020_assignment_sign_basis")


def test_the_migration_settles_the_pause_marks_of_finished_assignments(traveller):
    late_cast, late = _paused(traveller, AFTER_SIGN_DUE)
    cast, on_time = _paused(traveller, BEFORE_SIGN_DUE)
    traveller.move_to(ENDED)
    _merge(late_cast, late)
    _merge(cast, on_time)
    # As the merge left them before: withdrawn, still marked paused, no flag.
    Assignment.objects.filter(ticket=late).update(paused_at=AFTER_SIGN_DUE, sign_overdue=False)
    Assignment.objects.filter(ticket=on_time).update(paused_at=BEFORE_SIGN_DUE)
    running = make_ticket(Status.AWAITING_CITIZEN)
    migration.settle_finished_pauses(apps, connection.schema_editor())
    assert _helper(late).sign_overdue and not _lead(late).sign_overdue
    assert not _helper(on_time).sign_overdue and not _lead(on_time).reply_overdue
    assert not Assignment.objects.filter(ticket__in=[late, on_time], paused_at__isnull=False).exists()
    assert _lead(running).paused_at is not None  # a paused order still handled keeps its pause


def test_the_migration_stores_the_sign_axis_of_the_orders_policy(traveller):
    traveller.move_to(DISPATCHED)
    ordinary = make_ticket(Status.DISPATCHED)
    SlaPolicy.objects.create(name="测试：签收4小时", priority=100, sign_amount=4, sign_unit=LimitUnit.HOURS,
                             reply_amount=5, reply_unit=LimitUnit.WORKING_DAYS,
                             close_amount=7, close_unit=LimitUnit.WORKING_DAYS)
    hourly = make_ticket(Status.DISPATCHED)
    Assignment.objects.update(sign_basis="")  # as before the column existed
    migration.store_sign_basis(apps, connection.schema_editor())
    assert _lead(ordinary).sign_basis == Basis.WORKING
    assert _lead(hourly).sign_basis == Basis.CLOCK
