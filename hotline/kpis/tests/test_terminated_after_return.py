"""Only the lead the termination (终止办理) released counts for it; a lead whose return was accepted before does not."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hotline.accounts.choices import Role
from hotline.kpis import bases, engine, periods
from hotline.kpis.cuts import Cut
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, ReturnReason, Status, TerminationReason
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_a_lead_returned_before_the_termination_is_not_counted(cast: Cast) -> None:
    other = HandlingUnitFactory(kind=cast.lead.kind, parent=cast.lead.parent)
    other_handler = UserFactory(role=Role.UNIT_HANDLER, units=[other])
    with time_machine.travel(NOW, tick=False):
        t = make_ticket(Status.DISPATCHED, cast=cast)
        t = services.return_order(t, actor=cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                                  reason="不属于本街道职责")
    first = Assignment.objects.get(ticket=t, unit=cast.lead)
    Assignment.objects.filter(pk=first.pk).update(reply_overdue=True)  # e.g. late in an earlier round
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        t = services.accept_return(t, actor=cast.dispatcher, note="同意", lead=other)
        t = services.sign(t, actor=other_handler)
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        t = services.apply_termination(t, actor=other_handler, reason_code=TerminationReason.WITHDRAWN,
                                       reason="群众来电撤回")
        t = services.decide_termination(t, actor=cast.dispatcher, approve=True, note="同意")
    assert t.status == Status.TERMINATED

    rows = bases._lead_holding(ticket=t)
    assert list(rows.values_list("unit", flat=True)) == [other.pk]
    assert Assignment.objects.get(pk=first.pk).role == AssignmentRole.LEAD
    ctx = engine.context(periods.month(2025, 3), as_of=NOW + timedelta(days=40), assessment=True)
    assert engine.figure("on_time", ctx, Cut(unit=cast.lead, subtree=False)).denominator == 0
    assert engine.figure("on_time", ctx, Cut(unit=other, subtree=False)).denominator == 0  # terminated in time
