"""The sign deadline stays on the axis it was computed on (docs/sla.md §2, §6, §7), as the reply deadline does.

The assignment stores the sign axis at dispatch (`sign_basis`, beside `reply_basis`); a pause (待群众补充) and
a return awaiting review (退单待审) shift the sign deadline on that axis even when the centre has changed the
policy's sign unit (自然日 ↔ 工作日) in between. Dispatched Fri 2025-03-07 16:00 under a policy signing within
4 days; the clock stops at 17:00 and runs again Mon 03-10 09:00: 64 wall-clock hours, but only 16 working
hours (7 on Friday, 9 on Monday). A sign deadline of Tue 03-11 16:00 (4 自然日) moves to Fri 03-14 08:00 on the
wall clock, but to Wed 03-12 08:00 if the pause were wrongly measured on working time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.core import workcalendar
from hotline.sla import services as sla
from hotline.sla.choices import Basis, LimitUnit
from hotline.sla.models import SlaPolicy
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, ReturnReason, Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import Cast, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2025, 3, 7, 16, tzinfo=SH)  # no holiday in March 2025
SIGN_DUE = datetime(2025, 3, 11, 16, tzinfo=SH)  # 4 自然日
STOPPED = FRIDAY + timedelta(hours=1)
MONDAY = datetime(2025, 3, 10, 9, tzinfo=SH)
WALL = 64 * 3600  # Fri 17:00 → Mon 09:00 on the wall clock
WORKING = 16 * 3600  # 7 h on Friday, 9 h on Monday


def _policy(sign_unit: str) -> SlaPolicy:
    ensure_default_policies()
    return SlaPolicy.objects.create(name="测试：签收时限", priority=100, sign_amount=4, sign_unit=sign_unit,
                                    reply_amount=5, reply_unit=LimitUnit.WORKING_DAYS,
                                    close_amount=7, close_unit=LimitUnit.WORKING_DAYS)


def _change_sign_unit(policy: SlaPolicy, unit: str) -> None:
    """The centre edits the policy in the admin after the dispatch."""
    policy.sign_unit = unit
    policy.save(update_fields=["sign_unit"])


def _helper(ticket: Ticket) -> Assignment:
    return Assignment.objects.get(ticket=ticket, role=AssignmentRole.ASSIST)


def _paused(traveller) -> tuple[Cast, Ticket]:  # noqa: ANN001
    traveller.move_to(FRIDAY)
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, assist_signs=False)
    traveller.move_to(STOPPED)
    services.request_info(ticket, actor=cast.lead_handler, unit=cast.lead, question="请提供具体门牌号")
    return cast, ticket


def _resume(cast: Cast, ticket: Ticket) -> None:
    ticket.refresh_from_db()
    services.resume(ticket, actor=cast.lead_handler, unit=cast.lead, note="群众已补充")


def test_the_dispatch_stores_the_sign_axis(traveller):
    policy = _policy(LimitUnit.DAYS)
    traveller.move_to(FRIDAY)
    ticket = make_ticket(Status.DISPATCHED)
    lead = Assignment.objects.get(ticket=ticket)
    assert lead.sign_basis == Basis.CLOCK and lead.sign_due == SIGN_DUE
    _change_sign_unit(policy, LimitUnit.WORKING_DAYS)
    assert Assignment.objects.get(ticket=ticket).sign_basis == Basis.CLOCK  # a snapshot, like the deadline
    assert sla.sign_basis(lead, policy) == Basis.CLOCK


def test_the_pause_shifts_the_sign_deadline_on_the_axis_of_the_dispatch(traveller):
    """Sign within 4 自然日 at dispatch; the centre counts the sign limit in working days by the resume."""
    policy = _policy(LimitUnit.DAYS)
    cast, ticket = _paused(traveller)
    before = _helper(ticket)
    _change_sign_unit(policy, LimitUnit.WORKING_DAYS)
    traveller.move_to(MONDAY)
    _resume(cast, ticket)
    helper = _helper(ticket)
    assert helper.sign_due == before.sign_due + timedelta(seconds=WALL) == datetime(2025, 3, 14, 8, tzinfo=SH)
    assert helper.phase_due == helper.sign_due
    assert helper.phase_yellow_at == before.phase_yellow_at + timedelta(seconds=WALL)
    assert helper.reply_due == workcalendar.shift(before.reply_due, WORKING, Basis.WORKING)  # its own axis


def test_the_pause_shifts_a_working_time_sign_deadline_on_working_time_after_a_change_to_days(traveller):
    """Sign within 4 工作日 (Thu 03-13 16:00) at dispatch: 16 working hours later is Fri 03-14 08:00, not Sun."""
    policy = _policy(LimitUnit.WORKING_DAYS)
    cast, ticket = _paused(traveller)
    before = _helper(ticket)
    assert before.sign_basis == Basis.WORKING
    _change_sign_unit(policy, LimitUnit.DAYS)
    traveller.move_to(MONDAY)
    _resume(cast, ticket)
    assert _helper(ticket).sign_due == workcalendar.shift(before.sign_due, WORKING, Basis.WORKING) == datetime(
        2025, 3, 14, 8, tzinfo=SH)


def test_signing_during_the_pause_moves_the_sign_deadline_on_the_axis_of_the_dispatch(traveller):
    """Signed Mon 10:00, still paused: 65 wall-clock hours so far, so its sign deadline is Fri 03-14 09:00."""
    policy = _policy(LimitUnit.DAYS)
    cast, ticket = _paused(traveller)
    _change_sign_unit(policy, LimitUnit.WORKING_DAYS)
    traveller.move_to(MONDAY + timedelta(hours=1))
    ticket.refresh_from_db()
    services.sign(ticket, actor=cast.assist_handlers[0], unit=cast.assisting[0])
    helper = _helper(ticket)
    assert helper.status == AssignmentStatus.SIGNED and not helper.sign_overdue
    assert helper.sign_due == datetime(2025, 3, 14, 9, tzinfo=SH)


def test_a_rejected_return_gives_the_wait_back_on_the_axis_of_the_dispatch(traveller):
    """退单待审 stops the clock as a pause does (§6): the sign deadline moves on its stored axis."""
    policy = _policy(LimitUnit.DAYS)
    traveller.move_to(FRIDAY)
    cast = Cast.build()
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    before = Assignment.objects.get(ticket=ticket)
    traveller.move_to(STOPPED)
    services.return_order(ticket, actor=cast.lead_handler, unit=cast.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                          reason="该事项属于其他部门职责")
    _change_sign_unit(policy, LimitUnit.WORKING_DAYS)
    traveller.move_to(MONDAY)
    ticket.refresh_from_db()
    services.reject_return(ticket, actor=cast.dispatcher, note="经核实属于该单位职责")
    lead = Assignment.objects.get(ticket=ticket)
    assert lead.status == AssignmentStatus.PENDING_SIGN
    assert lead.sign_due == before.sign_due + timedelta(seconds=WALL) == datetime(2025, 3, 14, 8, tzinfo=SH)


def test_an_assignment_without_a_stored_axis_reads_the_policy(traveller):
    """Written by an import that does not set it (or before it was stored): the policy's sign unit decides."""
    policy = _policy(LimitUnit.WORKING_DAYS)
    _cast, ticket = _paused(traveller)
    helper = _helper(ticket)
    helper.sign_basis = ""
    assert sla.sign_basis(helper, policy) == Basis.WORKING
    traveller.move_to(MONDAY)
    before = helper.sign_due
    sla.resume_signing(helper, policy, MONDAY)
    assert helper.sign_due == workcalendar.shift(before, WORKING, Basis.WORKING)
