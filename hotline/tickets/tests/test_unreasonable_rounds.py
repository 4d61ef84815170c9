"""An approved unreasonable claim (不合理诉求) is its round's: a reopened order sent to another unit starts clean."""

from __future__ import annotations

import pytest
import time_machine

from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW, Cast, make_ticket

pytestmark = pytest.mark.django_db


def _claimed_closed_and_reopened(cast: Cast, other: Cast) -> Ticket:
    """Round 1 at `cast.lead`: claim approved, closed over the citizen's 不满意; reopened and sent to `other.lead`."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    t = services.apply_unreasonable(t, actor=cast.lead_handler, reason="要求关停合法经营店铺")
    t = services.decide_unreasonable(t, actor=cast.supervisor, approve=True, note="认定不合理")
    t = services.reply(t, actor=cast.lead_handler, content="已告知", contacted=True, resolved=False,
                       unresolved_reason="诉求不合理")
    t = services.approve_reply(t, actor=cast.inspector)
    t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=False,
                                     satisfaction=Satisfaction.UNSATISFIED)
    assert t.status == Status.CLOSED
    t = services.reopen(t, actor=cast.supervisor, reason="问题复发：新增露天摊位占道")
    t = services.dispatch(t, actor=cast.dispatcher, lead=other.lead)
    return services.sign(t, actor=other.lead_handler)


@pytest.fixture
def other(cast: Cast) -> Cast:
    return Cast.build(intake=cast.intake, dispatcher=cast.dispatcher, inspector=cast.inspector,
                      supervisor=cast.supervisor)


def test_the_next_unit_may_apply_and_an_unsatisfied_visit_sends_it_back(cast: Cast, other: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        t = _claimed_closed_and_reopened(cast, other)
        t = services.reply(t, actor=other.lead_handler, content="已处理", contacted=True, resolved=True)
        t = services.approve_reply(t, actor=cast.inspector)
        t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=False,
                                         satisfaction=Satisfaction.UNSATISFIED)
        assert t.status == Status.IN_PROGRESS  # 重办: round 1's claim does not close round 2
        t = services.apply_unreasonable(t, actor=other.lead_handler, reason="诉求超出政策范围")
        assert t.unreasonable_claims.count() == 2


def test_the_next_unit_stays_in_the_assessment(cast: Cast, other: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        _claimed_closed_and_reopened(cast, other)
        ctx = engine.context(periods.month(2025, 3), as_of=NOW, assessment=True)
        assert engine.figure("sign_timely", ctx, Cut(unit=other.lead, subtree=False)).denominator == 1
        assert engine.figure("sign_timely", ctx, Cut(unit=cast.lead, subtree=False)).denominator == 0
