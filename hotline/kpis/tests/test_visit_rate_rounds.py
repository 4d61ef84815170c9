"""回访率: an approved reply counts as visited only by a visit of its own round, before the order's next approved
reply (docs/kpis.md): a round closed unreachable (无法回访) stays out of the numerator after a reopen."""

from __future__ import annotations

import pytest

from hotline.core import clock
from hotline.kpis import engine, periods
from hotline.kpis.tests.scenario import AS_OF, at
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)


def _replied_again(t: Ticket, cast: Cast) -> Ticket:
    t = services.reply(t, actor=cast.lead_handler, content="再次处理", public_reply="已处理", contacted=True,
                       resolved=True, is_truthful=True)
    return services.approve_reply(t, actor=cast.inspector)


def _visit_rate() -> tuple[int, int]:
    fig = engine.figure("visit", engine.context(MARCH, as_of=AS_OF))
    return (int(fig.numerator), fig.denominator)


def test_a_round_closed_unreachable_stays_unvisited_after_a_reopen(cast: Cast) -> None:
    with clock.frozen(at(3)):
        t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="")
    with clock.frozen(at(4)):
        t = services.record_return_visit(t, actor=cast.inspector, contacted=False)
    assert t.status == Status.CLOSED  # 无联系电话，无法回访
    with clock.frozen(at(10)):
        t = services.reopen(t, actor=cast.supervisor, reason="群众来电反映问题仍在，并留下电话")
        t = services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
        t = services.sign(t, actor=cast.lead_handler)
        t = _replied_again(t, cast)
    with clock.frozen(at(11)):
        services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    assert _visit_rate() == (1, 2)  # only round 2's reply was visited


def test_each_reply_visited_in_its_own_round_counts(cast: Cast) -> None:
    """重办 after an unsatisfied visit: both approved replies had their own visit, so both count."""
    with clock.frozen(at(3)):
        t = make_ticket(Status.AWAITING_VISIT, cast=cast)
    with clock.frozen(at(4)):
        t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=False,
                                         satisfaction=Satisfaction.UNSATISFIED)
    with clock.frozen(at(5)):
        t = _replied_again(t, cast)
    assert _visit_rate() == (1, 2)  # round 2 not visited yet
    with clock.frozen(at(6)):
        services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    assert _visit_rate() == (2, 2)
