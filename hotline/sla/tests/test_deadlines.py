"""SLA arithmetic through the real services, across China's holidays, with the clock frozen at each step.

Default policies (seeded by the migration): 一般 = sign 1 working day, reply 5, close 7 working days;
紧急 = sign 15 minutes, reply 2 hours, close 24 hours (wall clock). Yellow at 0.8 of the allowed time.
The expected dates are checked against `chinese_calendar` where a holiday or a 调休 day decides them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from hotline.accounts.choices import Role
from hotline.accounts.models import Membership, User
from hotline.core import clock, workcalendar
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla.choices import Light
from hotline.sla.sweep import SweepResult, sweep
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Assignment, Ticket

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")


def bj(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Beijing-time moment."""
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


@dataclass
class Crew:
    """Who an order meets: an intake agent, a dispatcher, and a street office with its handler."""

    intake: User
    dispatcher: User
    handler: User
    unit: HandlingUnit
    category: Category


@pytest.fixture
def crew() -> Crew:
    district = HandlingUnit.objects.create(code="D1", name="东城区", kind=UnitKind.DISTRICT)
    street = HandlingUnit.objects.create(code="D1S1", name="东华门街道", kind=UnitKind.STREET, parent=district)
    handler = User.objects.create_user(username="handler", role=Role.UNIT_HANDLER, display_name="街道承办人")
    Membership.objects.create(user=handler, unit=street)
    return Crew(
        intake=User.objects.create_user(username="intake", role=Role.INTAKE, display_name="受理员"),
        dispatcher=User.objects.create_user(username="dispatcher", role=Role.DISPATCHER, display_name="派单员"),
        handler=handler,
        unit=street,
        category=Category.objects.create(name="市容环境", level=1, full_name="市容环境"),
    )


def at(moment: datetime, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service with the domain clock frozen at `moment`."""
    with clock.frozen(moment):
        return fn(*args, **kwargs)


def dispatched(crew: Crew, moment: datetime, *, urgency: str = Urgency.NORMAL) -> tuple[Ticket, Assignment]:
    """An order registered and dispatched to the street at `moment`; returns it and its lead assignment."""
    draft = services.TicketDraft(request_type=RequestType.COMPLAINT, title="占道经营", category=crew.category,
                                 description="商户长期占用人行道经营，影响通行。", urgency=urgency)
    ticket = at(moment, services.register, draft, actor=crew.intake)
    ticket = at(moment, services.dispatch, ticket, actor=crew.dispatcher, lead=crew.unit)
    return ticket, Assignment.objects.get(ticket=ticket)


def reload(ticket: Ticket) -> tuple[Ticket, Assignment]:
    ticket.refresh_from_db()
    return ticket, Assignment.objects.get(ticket=ticket)


def lights(ticket: Ticket) -> tuple[str, str]:
    """(order light, lead assignment light) as stored."""
    ticket, assignment = reload(ticket)
    return ticket.light, assignment.light


# --- Deadlines across holidays ----------------------------------------------------------------


def test_ordinary_order_across_2025_national_day_and_mid_autumn(crew: Crew) -> None:
    holidays = days(date(2025, 10, 1), date(2025, 10, 8))
    assert not any(chinese_calendar.is_workday(d) for d in holidays)
    assert chinese_calendar.is_workday(date(2025, 10, 11))  # Saturday, 调休

    ticket, a = dispatched(crew, bj(2025, 9, 30, 10))  # Tuesday

    assert a.sign_due == bj(2025, 10, 9, 10)
    assert a.return_due == bj(2025, 10, 9, 10)
    # 10-09, 10-10, Sat 10-11, 10-13, 10-14: without the 调休 Saturday it would be 10-15.
    assert a.reply_due == bj(2025, 10, 14, 10)
    assert ticket.close_due == bj(2025, 10, 16, 10)
    assert (a.phase_due, ticket.phase_due) == (a.sign_due, ticket.close_due)
    assert ticket.status == Status.DISPATCHED and ticket.light == a.light == Light.GREEN


def test_ordinary_order_across_2026_national_day(crew: Crew) -> None:
    assert not any(chinese_calendar.is_workday(d) for d in days(date(2026, 10, 1), date(2026, 10, 7)))
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    assert chinese_calendar.is_workday(date(2026, 10, 10))  # Saturday, 调休
    assert not chinese_calendar.is_workday(date(2026, 10, 11))

    ticket, a = dispatched(crew, bj(2026, 9, 30, 10))  # Wednesday

    assert a.sign_due == bj(2026, 10, 8, 10)
    assert a.reply_due == bj(2026, 10, 13, 10)  # 10-08, 10-09, Sat 10-10, 10-12, 10-13
    assert ticket.close_due == bj(2026, 10, 15, 10)


def test_ordinary_order_across_the_2026_spring_festival(crew: Crew) -> None:
    span = days(date(2026, 2, 15), date(2026, 2, 23))  # 春节 (Tue 02-17), nine days off
    assert not any(chinese_calendar.is_workday(d) for d in span)
    assert chinese_calendar.is_workday(date(2026, 2, 14)) and chinese_calendar.is_workday(date(2026, 2, 28))
    assert chinese_calendar.is_workday(date(2026, 2, 24))

    ticket, a = dispatched(crew, bj(2026, 2, 13, 9))  # Friday before the festival

    assert a.sign_due == bj(2026, 2, 14, 9)  # the 调休 Saturday counts
    assert a.reply_due == bj(2026, 2, 27, 9)  # 02-14, 02-24, 02-25, 02-26, 02-27
    assert ticket.close_due == bj(2026, 3, 2, 9)  # … Sat 02-28, Mon 03-02


def test_order_dispatched_during_the_spring_festival_counts_from_the_first_working_day(crew: Crew) -> None:
    ticket, a = dispatched(crew, bj(2026, 2, 17, 11))  # 初一

    assert a.sign_due == bj(2026, 2, 25, 0)  # the end of Tuesday 02-24
    # The end of the 5th working day (02-24 … 02-27, Saturday 02-28), stored as 00:00 of Sunday 03-01.
    assert a.reply_due == bj(2026, 3, 1, 0)
    assert ticket.close_due == bj(2026, 3, 4, 0)  # … 03-02, 03-03


def test_urgent_order_counts_wall_clock_minutes_and_hours_even_on_a_holiday(crew: Crew) -> None:
    ticket, a = dispatched(crew, bj(2025, 10, 1, 10), urgency=Urgency.URGENT)  # National Day

    assert a.sign_due == bj(2025, 10, 1, 10, 15)
    assert a.reply_due == bj(2025, 10, 1, 12)
    assert ticket.close_due == bj(2025, 10, 2, 10)
    assert a.phase_yellow_at == bj(2025, 10, 1, 10, 12)  # 0.8 × 15 minutes

    assert sweep(bj(2025, 10, 1, 10, 11)) == SweepResult()
    assert sweep(bj(2025, 10, 1, 10, 12)) == SweepResult(assignments_yellow=1)
    assert sweep(bj(2025, 10, 1, 10, 15)) == SweepResult(assignments_red=1)
    ticket, a = reload(ticket)
    assert a.light == Light.RED and a.sign_overdue and not a.reply_overdue
    assert ticket.light == Light.GREEN and not ticket.close_overdue

    # Signed late: the reply clock (2 hours from dispatch) runs from the signature, the flag stays.
    ticket = at(bj(2025, 10, 1, 10, 20), services.sign, ticket, actor=crew.handler)
    ticket, a = reload(ticket)
    assert a.sign_overdue and a.light == Light.GREEN
    assert (a.phase_due, a.phase_yellow_at) == (bj(2025, 10, 1, 12), bj(2025, 10, 1, 11, 40))
    assert sweep(bj(2025, 10, 1, 11, 40)) == SweepResult(assignments_yellow=1)
    assert sweep(bj(2025, 10, 1, 12)) == SweepResult(assignments_red=1)
    assert reload(ticket)[1].reply_overdue
    assert sweep(bj(2025, 10, 2, 5, 12)) == SweepResult(tickets_yellow=1)  # 0.8 × 24 h
    assert sweep(bj(2025, 10, 2, 10)) == SweepResult(tickets_red=1)
    assert reload(ticket)[0].close_overdue


# --- Lights over the life of an ordinary order -------------------------------------------------


def test_lights_of_an_ordinary_order_over_the_2025_holiday(crew: Crew) -> None:
    ticket, a = dispatched(crew, bj(2025, 9, 30, 10))
    # Sign: 0.8 × 24 working hours = 19 h 12 min: 14 h on 09-30, then 5 h 12 min on 10-09.
    assert a.phase_yellow_at == bj(2025, 10, 9, 5, 12)
    # Close: 0.8 × 168 h = 134 h 24 min: 14 h + 5 working days (10-09 … 10-14) + 24 min on 10-15.
    assert ticket.phase_yellow_at == bj(2025, 10, 15, 0, 24)

    assert sweep(bj(2025, 10, 5, 12)) == SweepResult()  # the holiday does not use up working time
    assert sweep(bj(2025, 10, 9, 5, 11)) == SweepResult()
    assert sweep(bj(2025, 10, 9, 5, 12)) == SweepResult(assignments_yellow=1)
    assert lights(ticket) == (Light.GREEN, Light.YELLOW)
    assert sweep(bj(2025, 10, 9, 10)) == SweepResult(assignments_red=1)
    ticket, a = reload(ticket)
    assert a.light == Light.RED and a.sign_overdue and ticket.light == Light.GREEN

    # Signing starts the reply clock (due 10-14 10:00, snapshotted at dispatch): the light starts over.
    ticket = at(bj(2025, 10, 9, 11), services.sign, ticket, actor=crew.handler)
    ticket, a = reload(ticket)
    assert ticket.status == Status.IN_PROGRESS
    assert (a.phase_due, a.light, a.sign_overdue, a.reply_overdue) == (bj(2025, 10, 14, 10), Light.GREEN, True, False)
    # Reply phase: 09 11:00 → 14 10:00 is 95 working hours; 0.8 of it is 76 h: 13 + 24 + 24 (Sat) + 15.
    assert a.phase_yellow_at == bj(2025, 10, 13, 15)
    assert sweep(bj(2025, 10, 12, 12)) == SweepResult()  # Sunday 10-12 is a day off
    assert sweep(bj(2025, 10, 13, 15)) == SweepResult(assignments_yellow=1)
    assert sweep(bj(2025, 10, 14, 10)) == SweepResult(assignments_red=1)
    assert sweep(bj(2025, 10, 15, 0, 24)) == SweepResult(tickets_yellow=1)
    assert sweep(bj(2025, 10, 16, 10)) == SweepResult(tickets_red=1)
    ticket, a = reload(ticket)
    assert a.reply_overdue and ticket.close_overdue
    assert sweep(bj(2025, 10, 20, 10)) == SweepResult()


# --- Pauses and extensions ---------------------------------------------------------------------


def test_a_pause_shifts_the_deadlines_by_the_working_time_it_lasted(crew: Crew) -> None:
    ticket, a = dispatched(crew, bj(2025, 11, 3, 9))  # Monday, no holiday around
    assert (a.reply_due, ticket.close_due) == (bj(2025, 11, 10, 9), bj(2025, 11, 12, 9))
    ticket = at(bj(2025, 11, 3, 10), services.sign, ticket, actor=crew.handler)
    assert sweep(bj(2025, 11, 7, 10)) == SweepResult(assignments_yellow=1)  # reply yellow at Fri 09:12

    paused_at, resumed_at = bj(2025, 11, 7, 15), bj(2025, 11, 11, 11)  # Friday → Tuesday
    ticket = at(paused_at, services.request_info, ticket, actor=crew.handler, question="请提供具体门牌号")
    ticket, a = reload(ticket)
    assert ticket.status == Status.AWAITING_CITIZEN and ticket.paused_at == a.paused_at == paused_at
    # While paused, the lights do not move, even past the original deadlines.
    assert sweep(bj(2025, 11, 10, 12)) == SweepResult()
    assert sweep(bj(2025, 11, 11, 10)) == SweepResult()
    assert lights(ticket) == (Light.GREEN, Light.YELLOW)

    ticket = at(resumed_at, services.resume, ticket, actor=crew.handler, note="群众已补充")
    ticket, a = reload(ticket)
    span = 44 * 3600  # Fri 15:00–24:00 (9 h) + Mon (24 h) + Tue 00:00–11:00 (11 h); the weekend does not count
    assert workcalendar.working_seconds_between(paused_at, resumed_at) == span
    assert a.reply_due == bj(2025, 11, 12, 5)  # Mon 11-10 09:00 + 44 working hours
    assert ticket.close_due == bj(2025, 11, 14, 5)  # Wed 11-12 09:00 + 44 working hours
    assert workcalendar.working_seconds_between(bj(2025, 11, 10, 9), a.reply_due) == span
    assert a.reply_due - bj(2025, 11, 10, 9) < resumed_at - paused_at  # not the wall-clock span (3 d 20 h)
    assert ticket.paused_seconds == (resumed_at - paused_at).total_seconds()
    assert (a.phase_due, ticket.phase_due) == (a.reply_due, ticket.close_due)
    assert a.phase_yellow_at == bj(2025, 11, 11, 5, 12) and ticket.phase_yellow_at == bj(2025, 11, 12, 19, 24)
    assert a.paused_at is None and ticket.paused_at is None
    assert (ticket.light, a.light) == (Light.GREEN, Light.YELLOW)

    assert sweep(bj(2025, 11, 12, 4, 59)) == SweepResult()
    assert sweep(bj(2025, 11, 12, 5)) == SweepResult(assignments_red=1)
    assert sweep(bj(2025, 11, 12, 19, 24)) == SweepResult(tickets_yellow=1)
    assert sweep(bj(2025, 11, 14, 5)) == SweepResult(tickets_red=1)


def test_an_approved_extension_moves_reply_and_close_by_working_days_across_the_holiday(crew: Crew) -> None:
    ticket, a = dispatched(crew, bj(2025, 9, 22, 10))  # Monday
    assert a.reply_due == bj(2025, 9, 28, 10)  # Sunday 09-28 is a 调休 working day
    assert ticket.close_due == bj(2025, 9, 30, 10)
    ticket = at(bj(2025, 9, 22, 11), services.sign, ticket, actor=crew.handler)

    ticket = at(bj(2025, 9, 26, 9), services.request_extension, ticket, actor=crew.handler, days=3,
                reason="需协调多个部门现场核查")
    assert reload(ticket)[1].reply_due == bj(2025, 9, 28, 10)  # nothing moves before the approval
    ticket = at(bj(2025, 9, 26, 10), services.approve_extension, ticket, actor=crew.dispatcher)
    ticket, a = reload(ticket)

    assert a.reply_due == bj(2025, 10, 9, 10)  # 09-29, 09-30, (holiday 10-01 … 10-08), 10-09
    assert ticket.close_due == bj(2025, 10, 11, 10)  # 10-09, 10-10, Saturday 10-11 (调休)
    assert (a.phase_due, ticket.phase_due) == (a.reply_due, ticket.close_due)
    assert a.extension_count == 1 and ticket.extension_count == 1
    # Yellow marks recomputed over the whole phase: reply from the signature (191 working hours → 152.8 h),
    # close from the dispatch (240 h → 192 h).
    assert a.phase_yellow_at == bj(2025, 9, 29, 19, 48)
    assert ticket.phase_yellow_at == bj(2025, 10, 9, 10)

    assert sweep(bj(2025, 9, 29, 19, 47)) == SweepResult()
    assert sweep(bj(2025, 9, 29, 19, 48)) == SweepResult(assignments_yellow=1)
    assert sweep(bj(2025, 10, 5, 12)) == SweepResult()
    assert sweep(bj(2025, 10, 9, 10)) == SweepResult(tickets_yellow=1, assignments_red=1)
    assert sweep(bj(2025, 10, 11, 10)) == SweepResult(tickets_red=1)
    ticket, a = reload(ticket)
    assert a.reply_overdue and ticket.close_overdue and not a.sign_overdue
