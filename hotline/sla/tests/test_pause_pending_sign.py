"""A pause (待群众补充, docs/sla.md §7) stops the clock of an assisting unit still to sign (协办待签收) too.

The default 一般 policy: sign within 1 working day, reply within 5 working days. The lead signs at
dispatch (Tue 2025-03-04 10:00) and asks the citizen; the assisting unit has not signed yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.core import clock, workcalendar
from hotline.orgs.choices import UnitKind
from hotline.sla import services as sla
from hotline.sla.choices import Basis, Light, LimitUnit
from hotline.sla.models import SlaPolicy
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Status
from hotline.tickets.exceptions import InvalidTransition
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
DISPATCHED = datetime(2025, 3, 4, 10, tzinfo=SH)  # Tue; no holiday in March 2025
PAUSED = datetime(2025, 3, 4, 14, tzinfo=SH)


def _helper(ticket: Ticket) -> Assignment:
    return Assignment.objects.get(ticket=ticket, role=AssignmentRole.ASSIST)


def _lead(ticket: Ticket) -> Assignment:
    return Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD)


def _paused(traveller, *, at: datetime = PAUSED, dispatched: datetime = DISPATCHED):  # noqa: ANN001, ANN202
    """The lead signed and asked the citizen at `at`; the assisting unit is still 待签收."""
    traveller.move_to(dispatched)
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, assist_signs=False)
    traveller.move_to(at)
    services.request_info(ticket, actor=cast.lead_handler, unit=cast.lead, question="请提供具体门牌号")
    return cast, ticket


def _resume(cast: Cast, ticket: Ticket) -> None:
    ticket.refresh_from_db()
    services.resume(ticket, actor=cast.lead_handler, unit=cast.lead, note="群众已补充")


def _assist_sign(cast: Cast, ticket: Ticket) -> None:
    ticket.refresh_from_db()
    services.sign(ticket, actor=cast.assist_handlers[0], unit=cast.assisting[0])


def test_asking_the_citizen_stops_the_clock_of_an_assisting_unit_still_to_sign(traveller):
    _cast, ticket = _paused(traveller)
    helper = _helper(ticket)
    assert helper.status == AssignmentStatus.PENDING_SIGN
    assert helper.paused_at == PAUSED
    assert helper.phase_due == helper.sign_due == datetime(2025, 3, 5, 10, tzinfo=SH)


def test_the_sweep_leaves_a_paused_sign_deadline_alone(traveller):
    """Past the unshifted sign deadline, still paused: no red light, no 签收超期."""
    _cast, ticket = _paused(traveller)
    traveller.move_to(datetime(2025, 3, 6, 12, tzinfo=SH))  # Thu, a day after the unshifted deadline
    sweep()
    helper = _helper(ticket)
    assert helper.light == Light.GREEN
    assert not helper.sign_overdue


def test_resume_shifts_the_sign_deadline_and_its_light_by_the_pause(traveller):
    cast, ticket = _paused(traveller)
    before = _helper(ticket)
    traveller.move_to(datetime(2025, 3, 6, 12, tzinfo=SH))  # Thu: 10 + 24 + 12 = 46 working hours paused
    _resume(cast, ticket)
    helper = _helper(ticket)
    assert helper.paused_at is None
    assert helper.sign_due == datetime(2025, 3, 7, 8, tzinfo=SH)  # Wed 10:00 + 46 working hours
    assert helper.phase_due == helper.sign_due
    assert helper.phase_yellow_at == workcalendar.shift(before.phase_yellow_at, 46 * 3600, Basis.WORKING)
    assert helper.reply_due == datetime(2025, 3, 13, 8, tzinfo=SH)  # its reply deadline too, like a signed unit's
    assert helper.light == Light.GREEN and not helper.sign_overdue
    traveller.move_to(helper.phase_yellow_at + timedelta(minutes=1))
    sweep()
    assert _helper(ticket).light == Light.YELLOW
    traveller.move_to(helper.sign_due + timedelta(minutes=1))
    sweep()
    helper = _helper(ticket)
    assert helper.light == Light.RED and helper.sign_overdue


def test_a_sign_deadline_passed_before_the_pause_stays_passed(traveller):
    cast, ticket = _paused(traveller, at=datetime(2025, 3, 5, 11, tzinfo=SH))  # an hour after the sign deadline
    traveller.move_to(datetime(2025, 3, 7, 11, tzinfo=SH))
    _resume(cast, ticket)
    helper = _helper(ticket)
    assert helper.light == Light.RED and helper.sign_overdue


def test_signing_during_the_pause_is_judged_against_the_deadline_the_pause_moved(traveller):
    cast, ticket = _paused(traveller)
    signed = datetime(2025, 3, 6, 12, tzinfo=SH)  # past the unshifted Wed 10:00
    traveller.move_to(signed)
    _assist_sign(cast, ticket)
    helper = _helper(ticket)
    assert helper.status == AssignmentStatus.SIGNED and helper.signed_at == signed
    assert not helper.sign_overdue
    assert helper.sign_due == datetime(2025, 3, 7, 8, tzinfo=SH)  # moved by the pause so far (46 working hours)
    # Its reply phase starts, stopped like every signed unit's while the order waits for the citizen.
    assert helper.phase_started_at == signed and helper.phase_due == helper.reply_due
    assert helper.paused_at == signed


def test_signing_during_the_pause_past_a_deadline_missed_before_it_is_late(traveller):
    cast, ticket = _paused(traveller, at=datetime(2025, 3, 5, 11, tzinfo=SH))
    traveller.move_to(datetime(2025, 3, 5, 13, tzinfo=SH))
    _assist_sign(cast, ticket)
    assert _helper(ticket).sign_overdue


def test_resume_after_a_sign_during_the_pause_gives_the_reply_clock_the_whole_pause(traveller):
    """The sign deadline is history; the reply deadline ends where a unit that signed before the pause has it."""
    cast, ticket = _paused(traveller)
    traveller.move_to(datetime(2025, 3, 6, 12, tzinfo=SH))
    _assist_sign(cast, ticket)
    sign_due = _helper(ticket).sign_due
    traveller.move_to(datetime(2025, 3, 17, 12, tzinfo=SH))  # long after the unshifted reply deadline (Tue 03-11)
    sweep()
    assert _helper(ticket).light == Light.GREEN and not _helper(ticket).reply_overdue
    _resume(cast, ticket)
    helper, lead = _helper(ticket), _lead(ticket)
    assert helper.sign_due == sign_due  # not shifted again
    assert helper.paused_at is None
    assert helper.reply_due == lead.reply_due  # same reply deadline snapshot, same whole pause given back
    span = workcalendar.elapsed(PAUSED, clock.now(), Basis.WORKING)
    assert helper.reply_due == workcalendar.shift(datetime(2025, 3, 11, 10, tzinfo=SH), span, Basis.WORKING)
    assert helper.phase_due == helper.reply_due and helper.light == Light.GREEN


def test_an_assisting_unit_that_signs_and_replies_during_the_pause_is_not_late(traveller):
    cast, ticket = _paused(traveller)
    traveller.move_to(datetime(2025, 3, 6, 12, tzinfo=SH))
    _assist_sign(cast, ticket)
    traveller.move_to(datetime(2025, 3, 17, 12, tzinfo=SH))
    ticket.refresh_from_db()
    services.reply(ticket, actor=cast.assist_handlers[0], unit=cast.assisting[0], content="已配合核查",
                   contacted=True, resolved=True)
    helper = _helper(ticket)
    replied_due = helper.reply_due
    assert not helper.reply_overdue and helper.paused_at is None
    span = workcalendar.elapsed(PAUSED, clock.now(), Basis.WORKING)
    assert replied_due == workcalendar.shift(datetime(2025, 3, 11, 10, tzinfo=SH), span, Basis.WORKING)
    traveller.shift(timedelta(days=1))
    _resume(cast, ticket)
    assert _helper(ticket).reply_due == replied_due  # history


def test_the_sign_deadline_shifts_on_its_own_axis(traveller):
    """Sign in 4 hours (wall clock), reply in 5 working days: a weekend pause moves them differently."""
    SlaPolicy.objects.create(name="测试：签收4小时", priority=100, sign_amount=4, sign_unit=LimitUnit.HOURS,
                             reply_amount=5, reply_unit=LimitUnit.WORKING_DAYS,
                             close_amount=7, close_unit=LimitUnit.WORKING_DAYS)
    friday = datetime(2025, 3, 7, 16, tzinfo=SH)
    cast, ticket = _paused(traveller, dispatched=friday, at=friday + timedelta(hours=1))
    before = _helper(ticket)
    assert before.sign_due == friday + timedelta(hours=4)
    monday = datetime(2025, 3, 10, 9, tzinfo=SH)
    traveller.move_to(monday)
    _resume(cast, ticket)
    helper = _helper(ticket)
    assert helper.sign_due == before.sign_due + timedelta(hours=64)  # wall clock: the whole weekend
    assert helper.phase_yellow_at == before.phase_yellow_at + timedelta(hours=64)
    assert helper.reply_due == workcalendar.shift(before.reply_due, 16 * 3600, Basis.WORKING)  # 7 h Fri + 9 h Mon
    assert helper.light == Light.GREEN


def test_resume_signing_by_itself_moves_only_the_deadlines_when_not_running(traveller):
    """`running=False`: the sign phase is over (the unit signs now), so its light is not moved."""
    _cast, ticket = _paused(traveller)
    helper = _helper(ticket)
    phase = (helper.phase_due, helper.phase_yellow_at, helper.light)
    traveller.move_to(datetime(2025, 3, 5, 14, tzinfo=SH))  # 24 working hours later
    sla.resume_signing(helper, ticket.sla_policy, clock.now(), running=False)
    assert helper.sign_due == datetime(2025, 3, 6, 10, tzinfo=SH)
    assert helper.reply_due == datetime(2025, 3, 12, 10, tzinfo=SH)
    assert (helper.phase_due, helper.phase_yellow_at, helper.light) == phase
    assert helper.paused_at is None


def test_no_assisting_unit_can_be_added_while_the_order_waits_for_the_citizen(traveller):
    """Assisting units join only at a dispatch, which an order 待群众补充 does not take: no clock to start."""
    cast, ticket = _paused(traveller)
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    ticket.refresh_from_db()
    with pytest.raises(InvalidTransition):
        services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead, assisting=[other])
    assert not Assignment.objects.filter(ticket=ticket, unit=other).exists()


def test_the_worked_example_of_the_docs(traveller):
    """docs/sla.md §7: signed Thu 12:00 during the pause, resumed Mon 12:00: reply by Mon 03-17 08:00."""
    cast, ticket = _paused(traveller)
    traveller.move_to(datetime(2025, 3, 6, 12, tzinfo=SH))
    _assist_sign(cast, ticket)
    assert _helper(ticket).reply_due == datetime(2025, 3, 13, 8, tzinfo=SH)
    traveller.move_to(datetime(2025, 3, 10, 12, tzinfo=SH))
    _resume(cast, ticket)
    assert _helper(ticket).reply_due == _lead(ticket).reply_due == datetime(2025, 3, 17, 8, tzinfo=SH)
