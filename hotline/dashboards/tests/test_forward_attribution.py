"""A 下派 (hand-down) order: the dashboards charge the unit holding the order, as the KPI page does; 收回下派
and a 退单 to the unit above give it back to the unit above; the rebuild agrees with the signals."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.dashboards import selectors
from hotline.dashboards.selectors import Scope
from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


def _handed_down(on_commit: Any) -> tuple[Any, Any, Any, Any, Any]:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="东城区")
    street = HandlingUnitFactory(kind=UnitKind.STREET, name="东华门街道", parent=district)
    street_handler = UserFactory(role=Role.UNIT_HANDLER, units=[street])
    cast = Cast.build(lead=district)
    with on_commit(execute=True):
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
    with on_commit(execute=True):
        services.forward(t, actor=cast.lead_handler, to=street, note="请街道现场处理")
    with on_commit(execute=True):
        services.sign(t, actor=street_handler)
    return cast, district, street, street_handler, t


def test_visit_on_a_handed_down_order_is_the_same_units_on_dashboard_and_kpi(
        frozen_now: datetime, django_capture_on_commit_callbacks: Any) -> None:
    on_commit = django_capture_on_commit_callbacks
    cast, district, street, handler, t = _handed_down(on_commit)
    with on_commit(execute=True):
        services.reply(t, actor=handler, content="已修复路灯", contacted=True, resolved=True)
    with on_commit(execute=True):
        services.approve_reply(t, actor=cast.inspector)
    with on_commit(execute=True):
        services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=False,
                                     satisfaction=Satisfaction.UNSATISFIED)
    today = timezone.localdate(frozen_now)
    ctx = engine.context(periods.month(today.year, today.month), as_of=frozen_now)
    # KPI page: the visit judges the street (the lead holding the order when called)
    kpi_street = engine.figure("satisfaction", ctx, Cut(unit=street, subtree=False))
    kpi_district = engine.figure("satisfaction", ctx, Cut(unit=district, subtree=False))
    assert (kpi_street.denominator, kpi_district.denominator) == (1, 0)
    # Dashboard, the street's own unit admin scope: should show the same valid visit
    start, end = selectors.month_bounds(today)
    dash_street = selectors.kpis(Scope((street.pk,), "东华门街道"), start, end)
    dash_district_only = selectors.kpis(Scope((district.pk,), "东城区本级"), start, end)
    assert (dash_street["visits"], dash_district_only["visits"]) == (1, 0), (
        f"dashboard charges the visit to street={dash_street['visits']} district={dash_district_only['visits']}")


def test_overdue_by_unit_row_of_the_unit_below_is_consistent(
        frozen_now: datetime, django_capture_on_commit_callbacks: Any) -> None:
    """The overdue-by-unit panel: the street has the order open (open load) but received nothing."""
    on_commit = django_capture_on_commit_callbacks
    cast, district, street, handler, t = _handed_down(on_commit)
    today = timezone.localdate(frozen_now)
    start, end = selectors.month_bounds(today)
    rows = {r["id"]: r for r in selectors.units(Scope(None, "全市"), start, end, frozen_now)}
    st = rows.get(street.pk, {})
    assert st.get("open") == 1
    assert st.get("received", 0) >= st.get("open", 0), f"street row: {st}; district row: {rows.get(district.pk)}"


def _unit(unit_id: int) -> dict[str, int]:
    """Counters of one unit's `all` rows, summed over the days."""
    from hotline.dashboards.models import COUNTERS, DailyRollup, Kind

    rows = DailyRollup.objects.filter(kind=Kind.ALL, unit_id=unit_id)
    return {c: sum(getattr(r, c) for r in rows) for c in COUNTERS}


def test_recall_and_return_up_give_the_order_back_to_the_unit_above_and_a_rebuild_agrees(
        traveller: Any, django_capture_on_commit_callbacks: Any) -> None:
    from datetime import timedelta

    from django.core.management import call_command

    from hotline.dashboards import services as rollups
    from hotline.dashboards.models import ALL_UNITS, OpenLoad
    from hotline.tickets.choices import ReturnReason

    def step(fn: Any, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="东城区")
    first = HandlingUnitFactory(kind=UnitKind.STREET, name="东华门街道", parent=district)
    second = HandlingUnitFactory(kind=UnitKind.STREET, name="景山街道", parent=district)
    second_handler = UserFactory(role=Role.UNIT_HANDLER, units=[second])
    cast = Cast.build(lead=district)
    recalled = step(make_ticket, Status.IN_PROGRESS, cast=cast)
    returned = step(make_ticket, Status.IN_PROGRESS, cast=cast)
    kept = step(make_ticket, Status.IN_PROGRESS, cast=cast)
    traveller.shift(timedelta(days=1))
    # 收回下派 before the street signed: the district holds the order again and replies itself
    step(services.forward, recalled, actor=cast.lead_handler, to=first, note="请街道现场处理")
    step(services.recall, recalled, actor=cast.lead_handler, note="派错街道")
    step(services.reply, recalled, actor=cast.lead_handler, content="已处理", contacted=True, resolved=True)
    # 退单 to the unit above: the street's return, then the district's supervision is the district's
    step(services.forward, returned, actor=cast.lead_handler, to=second, note="请街道现场处理")
    step(services.sign, returned, actor=second_handler)
    step(services.return_order, returned, actor=second_handler, reason_code=ReturnReason.NOT_OUR_AREA,
         reason="不属于本街道")
    step(services.supervise, returned, actor=cast.supervisor, kind="supervise", note="请按时办结")
    # still with the street below: its supervision is the street's
    step(services.forward, kept, actor=cast.lead_handler, to=second, note="请街道现场处理")
    step(services.supervise, kept, actor=cast.supervisor, kind="remind", note="请加快办理")

    d, a, b = _unit(district.pk), _unit(first.pk), _unit(second.pk)
    assert (d["dispatched"], a["dispatched"], b["dispatched"]) == (3, 1, 2)  # received: dispatched or handed down
    assert (d["replied"], a["replied"]) == (1, 0)
    assert (d["returned"], b["returned"]) == (0, 1)
    assert (d["supervised"], b["supervised"]) == (1, 1)
    assert _unit(ALL_UNITS)["dispatched"] == 3  # the centre's 派单: a 下派 is not one
    load: dict[int, int] = {}
    for row in OpenLoad.objects.filter(open__gt=0):
        load[row.unit_id] = load.get(row.unit_id, 0) + row.open
    assert load == {district.pk: 2, second.pk: 1}  # replied (no running deadline) and returned up; handed down
    incremental = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == incremental
    call_command("rollups_rebuild", "--since", str(timezone.localdate()))
    assert rollups.snapshot() == incremental
