"""The order's close light after a later dispatch (改派, 同意退单 with a new lead, 驳回退单).

The close deadline is judged on the whole span from the round's first dispatch (docs/sla.md §9): a later
dispatch does not restart its timing, so a light yellow before it is not green again close to the deadline.

Urgent orders (紧急: sign within 15 minutes, close within 24 hours on the wall clock), dispatched at
`factories.NOW` (Tue 2025-03-04 10:00 Beijing): close due Wed 10:00, yellow at 80 %, Wed 05:12.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla import services as sla
from hotline.sla.choices import Light
from hotline.sla.sweep import sweep
from hotline.taxonomy.choices import Urgency
from hotline.tickets import services
from hotline.tickets.choices import ReturnReason, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db
CLOSE_DUE = NOW + timedelta(hours=24)
YELLOW = NOW + timedelta(hours=19, minutes=12)


def _urgent(cast: Cast, status: str = Status.DISPATCHED) -> Ticket:
    t = make_ticket(status, cast=cast, urgency=Urgency.URGENT)
    assert (t.close_due, t.phase_started_at, t.phase_yellow_at) == (CLOSE_DUE, NOW, YELLOW)
    return t


def _street(cast: Cast, name: str) -> HandlingUnit:
    return HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent, name=name)


def _reassign(t: Ticket, cast: Cast, to: HandlingUnit) -> Ticket:
    services.reassign(t, actor=cast.dispatcher, reason="派单有误", lead=to)
    t.refresh_from_db()
    return t


def _return(t: Ticket, cast: Cast) -> None:
    services.return_order(t, actor=cast.lead_handler, unit=cast.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                          reason="该事项属于其他部门职责")


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.IN_PROGRESS])
def test_a_reassignment_keeps_the_yellow_light_and_its_mark(traveller: time_machine.Coordinates,
                                                             status: str) -> None:
    cast = Cast.build()
    t = _urgent(cast, status)
    traveller.move_to(NOW + timedelta(hours=20))
    sweep()
    t.refresh_from_db()
    assert t.light == Light.YELLOW

    t = _reassign(t, cast, _street(cast, "景山街道"))

    assert (t.close_due, t.phase_due) == (CLOSE_DUE, CLOSE_DUE)
    assert (t.phase_started_at, t.phase_yellow_at, t.light) == (NOW, YELLOW, Light.YELLOW)


def test_a_reassignment_while_green_keeps_the_mark_and_the_sweep_turns_it_yellow_on_time(
        traveller: time_machine.Coordinates) -> None:
    cast = Cast.build()
    t = _urgent(cast)
    traveller.move_to(NOW + timedelta(hours=10))
    t = _reassign(t, cast, _street(cast, "景山街道"))
    assert (t.phase_started_at, t.phase_yellow_at, t.light) == (NOW, YELLOW, Light.GREEN)

    traveller.move_to(YELLOW + timedelta(minutes=1))
    sweep()
    t.refresh_from_db()
    assert t.light == Light.YELLOW  # not 80 % of the 14 hours left at the 改派 (Wed 07:12)


def test_a_reassignment_past_the_close_deadline_is_red_and_flagged(traveller: time_machine.Coordinates) -> None:
    cast = Cast.build()
    t = _urgent(cast)
    traveller.move_to(CLOSE_DUE + timedelta(hours=1))
    t = _reassign(t, cast, _street(cast, "景山街道"))
    assert (t.light, t.close_overdue, t.phase_started_at) == (Light.RED, True, NOW)


def test_an_accepted_return_re_dispatched_late_in_the_span_stays_yellow(traveller: time_machine.Coordinates) -> None:
    """Returned at Wed 05:30 (yellow), accepted with a new lead at 06:30: the close deadline is given back the
    hour of review (Wed 11:00); its yellow mark is 80 % of the whole 25 hours from the first dispatch."""
    cast = Cast.build()
    t = _urgent(cast)
    traveller.move_to(NOW + timedelta(hours=19, minutes=30))
    sweep()
    _return(t, cast)
    t.refresh_from_db()
    assert t.light == Light.NONE  # no deadline runs while the return awaits review
    traveller.shift(timedelta(hours=1))

    services.accept_return(t, actor=cast.dispatcher, note="同意", lead=_street(cast, "景山街道"))

    t.refresh_from_db()
    assert (t.status, t.close_due, t.phase_due) == (Status.DISPATCHED, CLOSE_DUE + timedelta(hours=1),
                                                     CLOSE_DUE + timedelta(hours=1))
    assert (t.phase_started_at, t.phase_yellow_at, t.light) == (NOW, NOW + timedelta(hours=20), Light.YELLOW)


def test_a_rejected_return_late_in_the_span_stays_yellow(traveller: time_machine.Coordinates) -> None:
    cast = Cast.build()
    t = _urgent(cast)
    traveller.move_to(NOW + timedelta(hours=19, minutes=30))
    _return(t, cast)
    traveller.shift(timedelta(hours=1))

    services.reject_return(t, actor=cast.dispatcher, note="属地管理，仍由街道办理")

    t.refresh_from_db()
    assert (t.status, t.close_due) == (Status.DISPATCHED, CLOSE_DUE + timedelta(hours=1))
    assert (t.phase_started_at, t.phase_yellow_at, t.light) == (NOW, NOW + timedelta(hours=20), Light.YELLOW)


def test_a_return_after_a_reassignment_is_judged_from_the_first_dispatch(traveller: time_machine.Coordinates) -> None:
    """The unit the 改派 chose returns the order at once: the round still began at the first dispatch."""
    cast = Cast.build()
    t = _urgent(cast)
    spare = _street(cast, "景山街道")
    traveller.move_to(NOW + timedelta(hours=20))
    t = _reassign(t, cast, spare)
    spare_cast = Cast.build(lead=spare, dispatcher=cast.dispatcher)
    traveller.shift(timedelta(minutes=30))
    _return(t, spare_cast)
    traveller.shift(timedelta(hours=1))

    services.accept_return(t, actor=cast.dispatcher, note="同意", lead=_street(cast, "东华门街道"))

    t.refresh_from_db()
    assert t.close_due == CLOSE_DUE + timedelta(hours=1)
    assert (t.phase_started_at, t.light) == (NOW, Light.YELLOW)


def test_the_first_dispatch_starts_the_clock_as_before(traveller: time_machine.Coordinates) -> None:
    cast = Cast.build()
    traveller.move_to(NOW - timedelta(hours=1))
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, urgency=Urgency.URGENT)
    traveller.move_to(NOW)
    services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    t.refresh_from_db()
    assert (t.close_due, t.phase_started_at, t.phase_yellow_at, t.light) == (CLOSE_DUE, NOW, YELLOW, Light.GREEN)
    assert sla.close_round_start(t) == NOW


def test_the_round_starts_again_after_a_reopen(traveller: time_machine.Coordinates) -> None:
    """重新启用 clears the close deadline: the next dispatch starts a fresh clock and a new round."""
    cast = Cast.build()
    t = make_ticket(Status.CLOSED, cast=cast)
    traveller.move_to(NOW + timedelta(days=3))
    services.reopen(t, actor=cast.supervisor, reason="群众反映问题再次出现")
    t.refresh_from_db()
    assert sla.close_round_start(t) is None
    traveller.move_to(NOW + timedelta(days=3, hours=1))
    services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    t.refresh_from_db()
    assert sla.close_round_start(t) == t.phase_started_at == NOW + timedelta(days=3, hours=1)
