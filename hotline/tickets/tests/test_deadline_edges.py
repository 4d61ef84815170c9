"""Deadlines at the edges of a return (退单), a hand-down (下派) and the reply review (docs/sla.md §6, §7, §9).

- A unit does not turn its own yellow light green by returning the order (驳回退单) or by handing it down and
  taking it back (收回下派): the phase it held goes on, its yellow mark moved by the time given back, as after
  a pause, on the axis stored with the deadline (`sla.hold_phase`, `sla.continue_phase`).
- An assisting unit (协办) is never late for time it could not act: it may reply and ask for more time while
  the lead's return is reviewed (退单待审), its clock running as its signing clock does; and once the centre
  has approved the lead's reply (待回访) its missing reply is moot (`sla.sweep.assist_reply_moot`).

Times are Beijing time, in March 2025 (no holidays): 一般 policy, sign within 1 working day, reply within 5,
yellow at 80 %.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.core import clock
from hotline.notifications import unit_alerts
from hotline.notifications.choices import UnitAlertKind
from hotline.notifications.models import UnitAlert, UnitAlertSettings
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla.choices import Light, LimitUnit
from hotline.sla.models import SlaPolicy
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import (
    AssignmentRole,
    AssignmentStatus,
    Decision,
    ReturnReason,
    Satisfaction,
    Status,
)
from hotline.tickets.models import Assignment, Extension, Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def bj(m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2025, m, d, hh, mm, tzinfo=SH)


def _return(ticket: Ticket, cast: Cast, at: datetime) -> None:
    with clock.frozen(at):
        services.return_order(Ticket.objects.get(pk=ticket.pk), actor=cast.lead_handler, unit=cast.lead,
                              reason_code=ReturnReason.NOT_OUR_DUTY, reason="该事项属于其他部门职责")


def _reject(ticket: Ticket, cast: Cast, at: datetime) -> None:
    with clock.frozen(at):
        services.reject_return(Ticket.objects.get(pk=ticket.pk), actor=cast.dispatcher, note="属本单位职责")


# --- 驳回退单 and 收回下派 keep the yellow mark -------------------------------------------------------------


def test_a_rejected_return_keeps_the_yellow_sign_light():
    """Dispatched Tue 03-04 10:00: sign by Wed 03-05 10:00, yellow from Wed 05:12 (0.8 × 24 h).

    The unit lets it go yellow, returns it Wed 08:00 (2 h left); the centre rejects Wed 08:30. The wait is
    given back (sign by Wed 10:30) and the yellow mark moves by the same 30 minutes, to Wed 05:42: the light
    is yellow again at once. Before, it was green with 2 h of 24 left, yellow only from 10:06.
    """
    cast = Cast.build()
    t = make_ticket(Status.DISPATCHED, cast=cast, at=bj(3, 4, 10))
    a = Assignment.objects.get(ticket=t, unit=cast.lead)
    assert (a.sign_due, a.phase_yellow_at) == (bj(3, 5, 10), bj(3, 5, 5, 12))
    sweep(bj(3, 5, 7))
    a.refresh_from_db()
    assert a.light == Light.YELLOW
    _return(t, cast, bj(3, 5, 8))
    a.refresh_from_db()
    assert (a.light, a.phase_due) == (Light.NONE, None)  # no deadline runs while the centre reviews
    _reject(t, cast, bj(3, 5, 8, 30))
    a.refresh_from_db()
    assert (a.sign_due, a.phase_due, a.phase_yellow_at) == (bj(3, 5, 10, 30), bj(3, 5, 10, 30), bj(3, 5, 5, 42))
    assert a.phase_started_at == bj(3, 4, 10)  # the same phase, as after a pause
    assert a.light == Light.YELLOW
    sweep(bj(3, 5, 9))
    a.refresh_from_db()
    assert a.light == Light.YELLOW


def test_a_rejected_return_keeps_the_yellow_reply_light():
    """Signed at dispatch Tue 03-04 10:00: reply by Tue 03-11 10:00, yellow from Mon 03-10 10:00 (0.8 × 5 wd).

    Returned Wed 03-05 09:00, rejected 10:00: reply by Tue 03-11 11:00, yellow from Mon 03-10 11:00. At Mon
    13:00 the unit has used more than 80 % of its 5 working days: the light is yellow (before: green until
    Mon 16:48, 80 % of the time left at the rejection).
    """
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=bj(3, 4, 10))
    a = Assignment.objects.get(ticket=t, unit=cast.lead)
    assert (a.reply_due, a.phase_yellow_at) == (bj(3, 11, 10), bj(3, 10, 10))
    _return(t, cast, bj(3, 5, 9))
    _reject(t, cast, bj(3, 5, 10))
    a.refresh_from_db()
    assert (a.reply_due, a.phase_yellow_at, a.light) == (bj(3, 11, 11), bj(3, 10, 11), Light.GREEN)
    sweep(bj(3, 10, 13))
    a.refresh_from_db()
    assert a.light == Light.YELLOW


def test_a_rejected_return_moves_the_yellow_mark_on_the_axis_stored_at_dispatch():
    """Sign within 4 自然日 (wall clock) from Fri 03-07 16:00: by Tue 03-11 16:00, yellow from Mon 03-10 20:48.

    Returned Fri 17:00; the centre then counts the sign limit in working days; rejected Mon 03-10 09:00. The
    64 wall-clock hours are given back on the dispatch's axis: sign by Fri 03-14 08:00, yellow from Thu
    03-13 12:48 (a working-time mark, from the policy's new unit, would be Thu 13:00).
    """
    ensure_default_policies()
    policy = SlaPolicy.objects.create(name="测试：签收4自然日", priority=100, sign_amount=4, sign_unit=LimitUnit.DAYS,
                                      reply_amount=5, reply_unit=LimitUnit.WORKING_DAYS,
                                      close_amount=7, close_unit=LimitUnit.WORKING_DAYS)
    cast = Cast.build()
    t = make_ticket(Status.DISPATCHED, cast=cast, at=bj(3, 7, 16))
    a = Assignment.objects.get(ticket=t, unit=cast.lead)
    assert (a.sign_due, a.phase_yellow_at) == (bj(3, 11, 16), bj(3, 10, 20, 48))
    _return(t, cast, bj(3, 7, 17))
    policy.sign_unit = LimitUnit.WORKING_DAYS
    policy.save(update_fields=["sign_unit"])
    _reject(t, cast, bj(3, 10, 9))
    a.refresh_from_db()
    assert (a.sign_due, a.phase_due, a.phase_yellow_at) == (bj(3, 14, 8), bj(3, 14, 8), bj(3, 13, 12, 48))


def _district_case() -> tuple[Cast, HandlingUnit]:
    """A district leading (its duty phone set) and a street below it."""
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, phone="13900000021")
    street = HandlingUnitFactory(kind=UnitKind.STREET, parent=district)
    return Cast.build(lead=district), street


def test_a_recall_keeps_the_yellow_reply_light_and_alerts_it_once():
    """收回下派: the unit above holds the order again with its reply clock running, the deadline unmoved.

    A district signed Tue 03-04 10:00 (reply by Tue 03-11 10:00, yellow from Mon 03-10 10:00). At Mon 12:00
    (yellow, alerted 即将超期) it hands the order down and recalls it five minutes later: the same phase goes
    on, so the light stays yellow (docs/sla.md §9) and the unit is not alerted a second time.
    """
    with clock.frozen(bj(3, 4, 10)):
        UnitAlertSettings.current()  # the alerts were on before any deadline
    cast, street = _district_case()
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=bj(3, 4, 10))
    a = Assignment.objects.get(ticket=t, unit=cast.lead)
    assert (a.reply_due, a.phase_yellow_at) == (bj(3, 11, 10), bj(3, 10, 10))
    sweep(bj(3, 10, 12))
    with clock.frozen(bj(3, 10, 12)):
        unit_alerts.alert_lights()
    due_soon = UnitAlert.objects.filter(assignment=a, kind=UnitAlertKind.DUE_SOON)
    assert due_soon.count() == 1
    with clock.frozen(bj(3, 10, 12)):
        services.forward(Ticket.objects.get(pk=t.pk), actor=cast.lead_handler, unit=cast.lead, to=street,
                         note="请街道核实")
    with clock.frozen(bj(3, 10, 12, 5)):
        services.recall(Ticket.objects.get(pk=t.pk), actor=cast.lead_handler, unit=cast.lead, note="选错单位")
    a.refresh_from_db()
    assert (a.status, a.reply_due, a.phase_due, a.phase_yellow_at, a.phase_started_at, a.light) == (
        AssignmentStatus.SIGNED, bj(3, 11, 10), bj(3, 11, 10), bj(3, 10, 10), bj(3, 4, 10), Light.YELLOW)
    sweep(bj(3, 10, 12, 10))
    with clock.frozen(bj(3, 10, 12, 10)):
        unit_alerts.alert_lights()
    a.refresh_from_db()
    assert a.light == Light.YELLOW
    assert due_soon.count() == 1  # the same deadline: not news again


def test_a_recall_of_an_order_signed_by_handing_it_down_runs_the_reply_phase_from_then():
    """Handing an unsigned order down signs it (docs/lifecycle.md): the reply phase starts at the hand-down,
    and a recall five minutes later goes on with that phase, not with a fresh one."""
    cast, street = _district_case()
    t = make_ticket(Status.DISPATCHED, cast=cast, at=bj(3, 4, 10))
    with clock.frozen(bj(3, 4, 12)):
        services.forward(Ticket.objects.get(pk=t.pk), actor=cast.lead_handler, unit=cast.lead, to=street,
                         note="请街道核实")
    with clock.frozen(bj(3, 4, 12, 5)):
        services.recall(Ticket.objects.get(pk=t.pk), actor=cast.lead_handler, unit=cast.lead, note="选错单位")
    a = Assignment.objects.get(ticket=t, unit=cast.lead)
    assert (a.signed_at, a.phase_started_at, a.phase_due) == (bj(3, 4, 12), bj(3, 4, 12), bj(3, 11, 10))
    assert a.phase_yellow_at == bj(3, 10, 10, 24)  # 80 % of 4 working days 22 h from Tue 12:00


# --- Assisting units while the lead's return is reviewed (退单待审) ----------------------------------------------


def _assisted_and_returned() -> tuple[Cast, Ticket, Assignment]:
    """Lead and assisting unit signed Tue 03-04 10:00 (reply by Tue 03-11 10:00); the lead returns the order
    Wed 03-05 09:00 (inside its 1-working-day return window) and the centre takes its time to review."""
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=bj(3, 4, 10))
    helper = Assignment.objects.get(ticket=t, role=AssignmentRole.ASSIST)
    assert helper.reply_due == bj(3, 11, 10) and helper.signed_at is not None
    _return(t, cast, bj(3, 5, 9))
    return cast, Ticket.objects.get(pk=t.pk), helper


def test_an_assisting_unit_replies_while_the_return_is_reviewed():
    cast, t, helper = _assisted_and_returned()
    with clock.frozen(bj(3, 10, 15)):
        services.reply(t, actor=cast.assist_handlers[0], unit=cast.assisting[0], content="已配合现场核实",
                       contacted=True, resolved=True)
    helper.refresh_from_db()
    t.refresh_from_db()
    assert (helper.status, helper.replied_at, helper.reply_overdue) == (AssignmentStatus.REPLIED, bj(3, 10, 15), False)
    assert t.status == Status.RETURNED  # the lead's return still awaits the centre
    sweep(bj(3, 12, 10))
    helper.refresh_from_db()
    assert not helper.reply_overdue


def test_an_assisting_unit_asks_for_more_time_while_the_return_is_reviewed():
    """Asked Mon 03-10 15:00, before its deadline; the centre grants 2 working days during the review."""
    cast, t, helper = _assisted_and_returned()
    with clock.frozen(bj(3, 10, 15)):
        services.request_extension(t, actor=cast.assist_handlers[0], unit=cast.assisting[0], days=2,
                                   reason="需等待检测报告")
    sweep(bj(3, 11, 11))  # past the old deadline while the request waits: held
    helper.refresh_from_db()
    assert (helper.light, helper.reply_overdue) == (Light.YELLOW, False)
    with clock.frozen(bj(3, 11, 12)):
        services.approve_extension(Ticket.objects.get(pk=t.pk), actor=cast.dispatcher)
    helper.refresh_from_db()
    assert (helper.reply_due, helper.phase_due, helper.reply_overdue) == (bj(3, 13, 10), bj(3, 13, 10), False)
    assert Extension.objects.get(assignment=helper).status == Decision.APPROVED
    assert Ticket.objects.get(pk=t.pk).status == Status.RETURNED


def test_an_assisting_unit_that_lets_its_deadline_pass_during_the_review_is_late():
    """It could reply (or ask for more time) all along: its clock runs and is judged as in any other status."""
    cast, t, helper = _assisted_and_returned()
    sweep(bj(3, 11, 10))
    helper.refresh_from_db()
    assert (helper.light, helper.reply_overdue) == (Light.RED, True)


# --- Assisting units once the lead's reply is approved (待回访) -------------------------------------------------


def test_an_assisting_units_reply_is_moot_once_the_leads_reply_is_approved():
    """Lead replied and approved on day 1; the assisting unit (reply by Tue 03-11 10:00) can no longer give its
    opinion (协办答复 is closed in 待回访): the sweep no longer judges its reply clock, nor flags it."""
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, at=bj(3, 4, 10))
    helper = Assignment.objects.get(ticket=t, role=AssignmentRole.ASSIST)
    assert (helper.status, helper.light) == (AssignmentStatus.SIGNED, Light.GREEN)
    sweep(bj(3, 12, 10))
    helper.refresh_from_db()
    assert (helper.light, helper.reply_overdue) == (Light.GREEN, False)
    with clock.frozen(bj(3, 12, 11)):  # the visit closes the order: the assisting unit's part ends, not late
        services.record_return_visit(Ticket.objects.get(pk=t.pk), actor=cast.inspector, contacted=True,
                                     resolved=True, satisfaction=Satisfaction.SATISFIED)
    helper.refresh_from_db()
    assert (helper.status, helper.reply_overdue) == (AssignmentStatus.WITHDRAWN, False)


def test_an_assisting_unit_is_still_judged_while_the_leads_reply_awaits_review():
    """答复待审: the assisting unit may still reply, so its deadline still counts (only 待回访 makes it moot)."""
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.REPLIED, cast=cast, at=bj(3, 4, 10))
    helper = Assignment.objects.get(ticket=t, role=AssignmentRole.ASSIST)
    sweep(bj(3, 10, 12))
    helper.refresh_from_db()
    assert helper.light == Light.YELLOW
    sweep(bj(3, 11, 10))
    helper.refresh_from_db()
    assert (helper.light, helper.reply_overdue) == (Light.RED, True)
