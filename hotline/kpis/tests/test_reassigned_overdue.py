"""A unit the centre takes off an order by 改派 (reassignment) does not escape its lateness.

Overdue flags are history (docs/sla.md §9): a lead withdrawn after its reply deadline had passed counts
against 按时办结率, a unit withdrawn still unsigned after its sign deadline against 签收及时率. A unit
withdrawn before any deadline passed is not charged (docs/kpis.md, "Reassigned orders").

Clock: `factories.NOW` (Tue 2025-03-04 10:00 Beijing). Default policy 一般: sign within 1 working day,
reply within 5 working days (due Tue 2025-03-11 10:00).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hotline.accounts.choices import Role
from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.kpis.definitions import withdrawn_by_reassignment
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import Action, AssignmentStatus, ReturnReason, Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db
MARCH = periods.month(2025, 3)
AS_OF = NOW + timedelta(days=40)


def _street(cast: Cast, name: str) -> HandlingUnit:
    return HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, name=name)


def _reassign(t: Ticket, cast: Cast, to: HandlingUnit) -> Ticket:
    return services.reassign(t, actor=cast.dispatcher, reason="派单有误，属其他街道辖区", lead=to)


def _figure(code: str, unit: HandlingUnit, *, assessment: bool = False) -> tuple[object, int]:
    ctx = engine.context(MARCH, as_of=AS_OF, assessment=assessment)
    f = engine.figure(code, ctx, Cut(unit=unit, subtree=False))
    return f.numerator, f.denominator


def test_a_lead_taken_off_after_its_reply_deadline_counts_as_not_on_time(traveller: time_machine.Coordinates) -> None:
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    traveller.shift(timedelta(days=8))  # Wed 03-12: past the reply deadline, still unreplied
    sweep()
    _reassign(t, cast, _street(cast, "景山街道"))

    lead = Assignment.objects.get(ticket=t, unit=cast.lead)
    assert (lead.status, lead.reply_overdue) == (AssignmentStatus.WITHDRAWN, True)
    assert _figure("on_time", cast.lead) == (0, 1)
    assert _figure("on_time", cast.lead, assessment=True) == (0, 1)
    assert _figure("sign_timely", cast.lead) == (1, 1)  # it signed in time: that part counts as before
    assert _figure("completion", cast.lead)[1] == 0  # 办结率 counts the units still leading


def test_a_lead_taken_off_before_any_deadline_is_not_charged(traveller: time_machine.Coordinates) -> None:
    """A dispatcher's mistake is not the unit's: withdrawn in time, the unit is in neither rate."""
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.DISPATCHED, cast=cast)
    traveller.shift(timedelta(hours=2))
    _reassign(t, cast, _street(cast, "景山街道"))

    assert _figure("on_time", cast.lead)[1] == 0
    assert _figure("sign_timely", cast.lead)[1] == 0
    assert _figure("sign_timely", cast.assisting[0])[1] == 0


def test_a_signed_lead_taken_off_before_its_reply_deadline_is_not_charged(
        traveller: time_machine.Coordinates) -> None:
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    traveller.shift(timedelta(days=3))  # Fri 03-07: reply due Tue 03-11
    sweep()
    _reassign(t, cast, _street(cast, "景山街道"))

    assert not Assignment.objects.get(ticket=t, unit=cast.lead).reply_overdue
    assert _figure("on_time", cast.lead)[1] == 0


def test_units_taken_off_unsigned_after_the_sign_deadline_count_as_missed(
        traveller: time_machine.Coordinates) -> None:
    """Lead and assisting unit alike: each assignment is one row of 签收及时率."""
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.DISPATCHED, cast=cast)
    traveller.shift(timedelta(days=3))  # sign deadline (Wed 03-05 10:00) long past
    sweep()
    _reassign(t, cast, _street(cast, "景山街道"))

    for unit in (cast.lead, cast.assisting[0]):
        row = Assignment.objects.get(ticket=t, unit=unit)
        assert (row.status, row.sign_overdue, row.signed_at) == (AssignmentStatus.WITHDRAWN, True, None)
        assert _figure("sign_timely", unit) == (0, 1)
        assert _figure("sign_timely", unit, assessment=True) == (0, 1)
    assert _figure("on_time", cast.lead)[1] == 0  # no reply deadline had passed: 按时办结率 is not charged


def test_the_new_lead_is_judged_on_its_own_deadlines(traveller: time_machine.Coordinates) -> None:
    cast = Cast.build()
    t = make_ticket(Status.DISPATCHED, cast=cast)
    traveller.shift(timedelta(days=3))
    sweep()
    spare = _street(cast, "景山街道")
    t = _reassign(t, cast, spare)
    traveller.shift(timedelta(hours=1))
    services.sign(t, actor=UserFactory(role=Role.UNIT_HANDLER, units=[spare]), unit=spare)

    assert _figure("sign_timely", spare) == (1, 1)
    assert _figure("sign_timely", cast.lead) == (0, 1)


def test_withdrawn_by_reassignment_is_exactly_the_event_s_withdrawn_list(traveller: time_machine.Coordinates) -> None:
    """Only the rows each 改派 itself withdrew: not a lead released earlier by 同意退单, nor the 已下派 unit above."""
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.RETURNED, cast=cast)
    traveller.shift(timedelta(hours=1))
    second, third, fourth = (_street(cast, n) for n in ("景山街道", "东华门街道", "交道口街道"))
    t = services.accept_return(t, actor=cast.dispatcher, note="同意", lead=second)
    traveller.shift(timedelta(hours=1))
    t = _reassign(t, cast, third)
    traveller.shift(timedelta(days=2))
    t = _reassign(t, cast, fourth)

    released_by_return = set(Assignment.objects.filter(ticket=t, unit__in=[cast.lead, *cast.assisting])
                             .values_list("pk", flat=True))
    assert Assignment.objects.filter(pk__in=released_by_return, status=AssignmentStatus.WITHDRAWN).count() == 2
    listed = {pk for e in t.timeline.filter(action=Action.REASSIGN) for pk in e.data["withdrawn"]}
    found = set(Assignment.objects.filter(withdrawn_by_reassignment(), ticket=t).values_list("pk", flat=True))
    assert found == listed
    assert found.isdisjoint(released_by_return) and len(found) == 2


def test_a_return_accepted_late_is_not_a_reassignment(traveller: time_machine.Coordinates) -> None:
    """退单 judged by 退单率: a lead that returned unsigned stays out of 签收及时率, whatever happens after."""
    cast = Cast.build()
    t = make_ticket(Status.DISPATCHED, cast=cast)
    services.return_order(t, actor=cast.lead_handler, unit=cast.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                          reason="该事项属于其他部门职责")
    traveller.shift(timedelta(days=3))
    sweep()
    t.refresh_from_db()
    t = services.accept_return(t, actor=cast.dispatcher, note="同意", lead=_street(cast, "景山街道"))
    traveller.shift(timedelta(days=3))
    sweep()
    _reassign(t, cast, _street(cast, "东华门街道"))

    assert _figure("sign_timely", cast.lead)[1] == 0
    assert _figure("on_time", cast.lead)[1] == 0
