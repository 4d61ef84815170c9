"""会商意见及时率: each invited unit's first answer is judged against the consultation's opinions' deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hotline.accounts.choices import Role
from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Stance, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=7)  # past every one-working-day deadline started on NOW


def _consulted(cast: Cast, *units) -> Ticket:  # noqa: ANN002
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    return services.start_consultation(t, actor=cast.dispatcher, units=list(units), question="职责不清")


def _figure(unit, as_of=LATER, assessment=False) -> engine.Figure:  # noqa: ANN001
    ctx = engine.context(periods.month(2025, 3), as_of=as_of, assessment=assessment)
    return engine.figure("opinion_timely", ctx, Cut(unit=unit, subtree=False))


def test_on_time_late_missing_and_undecided(cast: Cast) -> None:
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    handler = UserFactory(role=Role.UNIT_HANDLER, units=[department])
    with time_machine.travel(NOW, tick=False):
        on_time = _consulted(cast, cast.lead, department)
        services.give_opinion(on_time, actor=handler, stance=Stance.NOT_OURS, basis="不在权责清单")
        late = _consulted(cast, cast.lead, department)
        missing = _consulted(cast, cast.lead, department)
        ended_early = _consulted(cast, cast.lead, department)
        services.conclude_consultation(ended_early, actor=cast.dispatcher, lead=cast.lead, note="按履职清单定责")
    with time_machine.travel(NOW + timedelta(days=5), tick=False):
        services.give_opinion(late, actor=handler, stance=Stance.ASSIST, basis="可配合")
        services.give_opinion(on_time, actor=handler, stance=Stance.ASSIST, basis="改为可协办")  # a late revision
    assert missing.status == Status.PENDING_DISPATCH
    figure = _figure(department)
    # on_time (first answer in time), late, missing past the deadline; the one concluded early is left out
    assert (figure.numerator, figure.denominator) == (1, 3)
    lead = _figure(cast.lead)  # never answered: late, missing, on_time's consultation all past due; ended_early out
    assert (lead.numerator, lead.denominator) == (0, 3)


def test_not_decided_before_the_deadline(cast: Cast) -> None:
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    with time_machine.travel(NOW, tick=False):
        _consulted(cast, cast.lead, department)
    assert _figure(department, as_of=NOW + timedelta(hours=1)).denominator == 0
    assert _figure(department).denominator == 1


def test_by_unit_and_assessment_scope(cast: Cast) -> None:
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    handler = UserFactory(role=Role.UNIT_HANDLER, units=[department])
    with time_machine.travel(NOW, tick=False):
        t = _consulted(cast, cast.lead, department)
        services.give_opinion(t, actor=handler, stance=Stance.LEAD, basis="权责清单第3项")
    ctx = engine.context(periods.month(2025, 3), as_of=LATER, assessment=True)
    per_unit = engine.by_unit("opinion_timely", ctx)
    assert per_unit[department.pk].value == 1 and per_unit[cast.lead.pk].value == 0
