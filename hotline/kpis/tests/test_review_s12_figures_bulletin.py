"""The bulletin prints a unit's 按时办结率 twice (考核排名 and 超期工单) and its 重办率 twice (考核排名 and 重办工单):
for the same unit and month the two must agree. An upheld appeal (申诉成立) takes the order out of the unit's
assessment (docs/kpis.md) — the ranking does so, and so must the sheets (`bulletin.data.gather` passes them the
ranking's assessment context): they no longer name the unit for it."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from hotline.kpis import periods
from hotline.kpis.bulletin import data as bulletin
from hotline.kpis.bulletin.xlsx import build
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, Satisfaction, Status
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import SHANGHAI, Cast, make_ticket

pytestmark = pytest.mark.django_db

AS_OF = datetime(2025, 3, 31, 23, tzinfo=SHANGHAI)


def _late_then_appeal_upheld(cast: Cast, traveller: Any) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    due = Assignment.objects.get(ticket=t, role=AssignmentRole.LEAD).reply_due
    traveller.move_to(due + timedelta(hours=2))
    sweep()
    t.refresh_from_db()
    t = services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已处理", contacted=True, resolved=True)
    t = services.approve_reply(t, actor=cast.inspector)
    t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    assert Assignment.objects.get(ticket=t, role=AssignmentRole.LEAD).reply_overdue
    t = services.appeal(t, actor=cast.lead_handler, reason="系中心派单错误导致超期，附派单记录")
    services.decide_appeal(t, actor=cast.supervisor, uphold=True, note="核实属实，申诉成立")


def _rehandled_then_appeal_upheld(cast: Cast) -> None:
    t = make_ticket(Status.REPLIED, cast=cast)
    t = services.send_back(t, actor=cast.inspector, reason="答复不完整")
    t = services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已补充", contacted=True, resolved=True)
    t = services.approve_reply(t, actor=cast.inspector)
    t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    t = services.appeal(t, actor=cast.lead_handler, reason="退回理由不成立")
    services.decide_appeal(t, actor=cast.supervisor, uphold=True, note="申诉成立")


def _unit_result(b: bulletin.Bulletin, unit: Any) -> Any:
    return next(r for tier in b.rankings for r in tier.results if r.unit.pk == unit.pk)


def test_on_time_rate_on_the_overdue_sheet_agrees_with_the_ranking(traveller: Any) -> None:
    cast = Cast.build()
    make_ticket(Status.CLOSED, cast=cast)  # on time
    _late_then_appeal_upheld(cast, traveller)
    b = bulletin.gather(periods.month(2025, 3), as_of=AS_OF)
    ranked = _unit_result(b, cast.lead).figures["on_time"]
    assert ranked.value == 1.0  # the ranking: the appealed order is out
    listed = [r for r in b.overdue if r.unit.pk == cast.lead.pk]
    sheet_rate = (1 - listed[0].count / listed[0].of) if listed else 1.0
    assert sheet_rate == ranked.value
    build(b)


def test_rehandle_rate_on_the_rehandled_sheet_agrees_with_the_ranking(frozen_now: datetime) -> None:
    cast = Cast.build()
    make_ticket(Status.CLOSED, cast=cast)
    _rehandled_then_appeal_upheld(cast)
    b = bulletin.gather(periods.month(2025, 3), as_of=AS_OF)
    ranked = _unit_result(b, cast.lead).figures["rehandle"]
    assert ranked.value == 0.0
    listed = [r for r in b.rehandled if r.unit.pk == cast.lead.pk]
    sheet_rate = (listed[0].count / listed[0].of) if listed else 0.0
    assert sheet_rate == ranked.value


def test_an_open_overdue_order_with_an_approved_unreasonable_claim_is_not_counted_on_the_overdue_sheet(
        traveller: Any) -> None:
    """在办超期 (the sheet's extra column) drops the rows the assessment drops: the unit's claim (不合理诉求) was
    approved in this round, so the ranking leaves the order out and the sheet does too; its other late order stays."""
    cast = Cast.build()
    make_ticket(Status.CLOSED, cast=cast)
    make_ticket(Status.IN_PROGRESS, cast=cast)  # late too, no claim
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    due = Assignment.objects.get(ticket=t, role=AssignmentRole.LEAD).reply_due
    t = services.apply_unreasonable(t, actor=cast.lead_handler, reason="诉求人要求超出政策范围，多次解释无果")
    t = services.decide_unreasonable(t, actor=cast.supervisor, approve=True, note="核实属实")
    traveller.move_to(due + timedelta(hours=2))
    sweep()
    b = bulletin.gather(periods.month(2025, 3), as_of=AS_OF)
    [listed] = [r for r in b.overdue if r.unit.pk == cast.lead.pk]
    assert (listed.count, listed.extra, listed.of) == (1, 1, 2)
    ranked = _unit_result(b, cast.lead).figures["on_time"]
    assert 1 - listed.count / listed.of == ranked.value
