"""A return visit judges the lead that held the order when the citizen was called, on the dashboards (which
replay the timeline) and on the KPI page alike, even after that lead gave the order up: a 退单 from below to
the unit above that had handed it down (下派), or the centre's 改派."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.dashboards import selectors
from hotline.dashboards.selectors import Scope
from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets import services
from hotline.tickets.choices import ReturnReason, Satisfaction, Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


def _visits(unit: HandlingUnit, moment: datetime) -> tuple[int, int]:
    """The unit's own valid visits (有效回访) this month: (KPI page's 满意率 rows, dashboard's `visits`)."""
    today = timezone.localdate(moment)
    ctx = engine.context(periods.month(today.year, today.month), as_of=moment + timedelta(days=1))
    kpi = engine.figure("satisfaction", ctx, Cut(unit=unit, subtree=False)).denominator
    start, end = selectors.month_bounds(today)
    return kpi, selectors.kpis(Scope((unit.pk,), unit.name), start, end)["visits"]


def test_the_unit_below_keeps_its_visit_after_returning_the_order_up(
        traveller: Any, django_capture_on_commit_callbacks: Any) -> None:
    def step(fn: Any, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="东城区")
    street = HandlingUnitFactory(kind=UnitKind.STREET, name="东华门街道", parent=district)
    street_handler = UserFactory(role=Role.UNIT_HANDLER, units=[street])
    cast = Cast.build(lead=district)
    t = step(make_ticket, Status.IN_PROGRESS, cast=cast)
    step(services.forward, t, actor=cast.lead_handler, to=street, note="请街道现场处理")
    step(services.sign, t, actor=street_handler)
    step(services.reply, t, actor=street_handler, content="已处理", contacted=True, resolved=True)
    step(services.approve_reply, t, actor=cast.inspector)
    traveller.shift(timedelta(hours=1))
    step(services.record_return_visit, t, actor=cast.inspector, contacted=True, resolved=False,
         satisfaction=Satisfaction.UNSATISFIED)
    traveller.shift(timedelta(hours=1))
    t = step(services.return_order, t, actor=street_handler, reason_code=ReturnReason.NOT_OUR_AREA,
             reason="不属于本街道")
    assert t.status == Status.IN_PROGRESS
    now = timezone.now()
    assert _visits(street, now) == (1, 1)
    assert _visits(district, now) == (0, 0)


def test_a_reassigned_unit_keeps_its_visit(traveller: Any, django_capture_on_commit_callbacks: Any,
                                           cast: Cast) -> None:
    def step(fn: Any, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    other = HandlingUnitFactory(kind=UnitKind.STREET, name="景山街道", parent=cast.lead.parent)
    t = step(make_ticket, Status.AWAITING_VISIT, cast=cast)
    traveller.shift(timedelta(hours=1))
    step(services.record_return_visit, t, actor=cast.inspector, contacted=True, resolved=False,
         satisfaction=Satisfaction.UNSATISFIED)
    traveller.shift(timedelta(hours=1))
    step(services.reassign, t, actor=cast.dispatcher, reason="原单位办理不力，改派", lead=other)
    now = timezone.now()
    assert _visits(cast.lead, now) == (1, 1)
    assert _visits(other, now) == (0, 0)
