"""A missed signing (超时未签收, `sign_overdue`) stays in 签收及时率 however the assignment ended.

Reviewer's finding (rv11): an assisting unit flagged late to sign vanished from the rate once the order
closed (办结), was terminated (终止办理) or merged (并单); only a 改派 kept it. Overdue flags are history
(docs/kpis.md: a unit "does not escape by being taken off"; docs/sla.md §7: `settle_pause` sets the flag at a
merge or termination so the indicators judge it). A unit that returned the order before signing stays out
(退单率 judges it), unless the centre rejected that return and the unit then failed to sign.

Clock: `factories.NOW` (Tue 2025-03-04 10:00 Beijing). Default policy 一般: sign within 1 working day.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.orgs.models import HandlingUnit
from hotline.sla.models import SlaPolicy
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import AssignmentStatus, ReturnReason, Satisfaction, Status, TerminationReason
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db
MARCH = periods.month(2025, 3)
AS_OF = NOW + timedelta(days=40)


def _figure(code: str, unit: HandlingUnit) -> tuple[object, int]:
    ctx = engine.context(MARCH, as_of=AS_OF)
    f = engine.figure(code, ctx, Cut(unit=unit, subtree=False))
    return f.numerator, f.denominator


def _late_assist(traveller: time_machine.Coordinates) -> tuple[Cast, Ticket]:
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.IN_PROGRESS, cast=cast, assist_signs=False)
    traveller.shift(timedelta(days=3))  # the assisting unit's sign deadline (Wed 03-05 10:00) long past
    sweep()
    row = Assignment.objects.get(ticket=t, unit=cast.assisting[0])
    assert (row.status, row.sign_overdue) == (AssignmentStatus.PENDING_SIGN, True)
    assert _figure("sign_timely", cast.assisting[0]) == (0, 1)  # charged while the order is open
    return cast, t


def test_a_flagged_missed_signing_still_counts_after_the_order_closes(traveller: time_machine.Coordinates) -> None:
    cast, t = _late_assist(traveller)
    services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已修复", public_reply="已修复",
                   contacted=True, resolved=True, is_truthful=True)
    services.approve_reply(t, actor=cast.inspector)
    services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED)
    row = Assignment.objects.get(ticket=t, unit=cast.assisting[0])
    assert (row.status, row.sign_overdue, row.signed_at) == (AssignmentStatus.WITHDRAWN, True, None)
    assert _figure("sign_timely", cast.assisting[0]) == (0, 1)
    assert _figure("sign_timely", cast.lead) == (1, 1)


def test_a_flagged_missed_signing_still_counts_after_termination(traveller: time_machine.Coordinates) -> None:
    cast, t = _late_assist(traveller)
    services.apply_termination(t, actor=cast.lead_handler, unit=cast.lead, reason_code=TerminationReason.WITHDRAWN,
                               reason="群众撤回")
    services.decide_termination(t, actor=cast.dispatcher, approve=True, note="同意")
    assert _figure("sign_timely", cast.assisting[0]) == (0, 1)


def test_a_missed_signing_settled_at_a_merge_during_the_pause_counts(traveller: time_machine.Coordinates) -> None:
    """docs/sla.md §7: at a merge during the pause the unit gets `sign_overdue` if its sign deadline had passed
    before the pause, judged as the indicators judge a paused row; so the indicator must count it."""
    cast, t = _late_assist(traveller)
    services.request_info(t, actor=cast.lead_handler, unit=cast.lead, question="请提供门牌号")
    master = make_ticket(Status.DISPATCHED)
    services.merge(t, actor=cast.dispatcher, master=master)
    row = Assignment.objects.get(ticket=t, unit=cast.assisting[0])
    assert (row.status, row.sign_overdue) == (AssignmentStatus.WITHDRAWN, True)
    assert _figure("sign_timely", cast.assisting[0]) == (0, 1)


def test_a_unit_ended_before_its_sign_deadline_is_not_charged(frozen_now: object) -> None:
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.IN_PROGRESS, cast=cast, assist_signs=False)
    services.merge(t, actor=cast.dispatcher, master=make_ticket(Status.DISPATCHED))
    assert _figure("sign_timely", cast.assisting[0]) == (0, 0)


def test_a_lead_returned_after_its_sign_deadline_stays_out(traveller: time_machine.Coordinates) -> None:
    """退单 before signing is 退单率's, even when the sweep had flagged the signing late first."""
    SlaPolicy.objects.update(return_amount=3)  # a return window longer than the sign window
    cast = Cast.build()
    t = make_ticket(Status.DISPATCHED, cast=cast)
    traveller.shift(timedelta(days=1, hours=1))
    sweep()
    services.return_order(t, actor=cast.lead_handler, unit=cast.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                          reason="该事项属于其他部门职责")
    t = services.accept_return(Ticket.objects.get(pk=t.pk), actor=cast.dispatcher, note="同意")
    row = Assignment.objects.get(ticket=t, unit=cast.lead)
    assert (row.status, row.sign_overdue, row.signed_at) == (AssignmentStatus.WITHDRAWN, True, None)
    assert _figure("sign_timely", cast.lead) == (0, 0)


def test_a_lead_whose_return_was_rejected_and_that_never_signed_counts(traveller: time_machine.Coordinates) -> None:
    """驳回退单 sends the order back to the unit to sign: missing that signing is charged, also after a merge."""
    cast = Cast.build()
    t = make_ticket(Status.DISPATCHED, cast=cast)
    services.return_order(t, actor=cast.lead_handler, unit=cast.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                          reason="该事项属于其他部门职责")
    t = services.reject_return(Ticket.objects.get(pk=t.pk), actor=cast.dispatcher, note="属本单位职责")
    traveller.shift(timedelta(days=3))
    sweep()
    assert _figure("sign_timely", cast.lead) == (0, 1)
    other = HandlingUnitFactory(kind=cast.lead.kind, parent=cast.lead.parent)
    services.merge(Ticket.objects.get(pk=t.pk), actor=cast.dispatcher,
                   master=make_ticket(Status.DISPATCHED, cast=Cast.build(lead=other)))
    row = Assignment.objects.get(ticket=t, unit=cast.lead)
    assert (row.status, row.sign_overdue, row.is_designated) == (AssignmentStatus.WITHDRAWN, True, True)
    assert _figure("sign_timely", cast.lead) == (0, 1)
