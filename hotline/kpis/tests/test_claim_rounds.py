"""An approved claim (不合理诉求) leaves out only its own round, even when the same unit leads the order again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from hotline.kpis import engine, periods
from hotline.kpis.bases import ASSIGNMENTS, LEADS, REPLIES, TICKETS, VISITS, Base, excluded_from_assessment
from hotline.kpis.cuts import Cut
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW, Cast, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)
AS_OF = NOW + timedelta(days=20)


def _handle(t: Ticket, cast: Cast, *, claim: bool) -> Ticket:
    """The signed lead handles one round: perhaps an approved claim, a reply, its review and the visit.

    The citizen is 不满意 in the round with the claim (which closes it all the same), 满意 in the other.
    """
    if claim:
        t = services.apply_unreasonable(t, actor=cast.lead_handler, reason="要求关停合法经营店铺")
        t = services.decide_unreasonable(t, actor=cast.supervisor, approve=True, note="认定不合理")
    t = services.reply(t, actor=cast.lead_handler, content="已处理", contacted=True, resolved=True)
    t = services.approve_reply(t, actor=cast.inspector)
    t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.UNSATISFIED if claim else Satisfaction.SATISFIED)
    assert t.status == Status.CLOSED
    return t


def _two_rounds_one_unit(cast: Cast, *, claim_in: int) -> Ticket:
    """`cast.lead` leads round 1 (03-04) and, after a reopen, round 2 (03-05); the claim is approved in `claim_in`."""
    with time_machine.travel(NOW, tick=False) as traveller:
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        t = _handle(t, cast, claim=claim_in == 1)
        traveller.move_to(NOW + timedelta(days=1))
        t = services.reopen(t, actor=cast.supervisor, reason="问题复发")
        t = services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
        t = services.sign(t, actor=cast.lead_handler)
        return _handle(t, cast, claim=claim_in == 2)


def _excluded(base: Base, t: Ticket) -> list[datetime]:
    """When the rounds began whose rows of `base` the assessment leaves out (one per excluded row)."""
    rows = base.queryset().filter(**{base.ticket_ref: t.pk}).annotate(_unit=base.unit(), _start=base.round_start(0))
    return sorted(rows.filter(excluded_from_assessment(base)).values_list("_start", flat=True))


@pytest.mark.parametrize("claim_in", [1, 2])
def test_a_claim_leaves_out_only_the_rows_of_its_round(cast: Cast, claim_in: int) -> None:
    t = _two_rounds_one_unit(cast, claim_in=claim_in)
    first, second = t.assignments.filter(role=AssignmentRole.LEAD).order_by("dispatched_at")
    assert first.unit == second.unit == cast.lead
    round_of_claim = (first if claim_in == 1 else second).dispatched_at
    for base in (ASSIGNMENTS, LEADS, REPLIES, VISITS):
        assert _excluded(base, t) == [round_of_claim], base.key
    # the order itself is attributed to its newest round
    assert _excluded(TICKETS, t) == ([] if claim_in == 1 else [second.dispatched_at])


def test_the_second_round_of_the_same_unit_is_assessed(cast: Cast) -> None:
    _two_rounds_one_unit(cast, claim_in=1)
    mine = Cut(unit=cast.lead, subtree=False)
    assessed = engine.context(MARCH, as_of=AS_OF, assessment=True)
    operational = engine.context(MARCH, as_of=AS_OF)
    assert engine.figure("sign_timely", operational, mine).denominator == 2
    assert engine.figure("sign_timely", assessed, mine).denominator == 1  # round 2 only
    assert engine.figure("completion", assessed, mine).denominator == 1
    satisfaction = engine.figure("satisfaction", assessed, mine)  # round 2's visit: 满意
    assert (satisfaction.numerator, satisfaction.denominator) == (1, 1)
