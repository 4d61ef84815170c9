"""An upheld appeal (申诉成立) leaves out only the appealing unit's rows of the round it appealed about, as an
approved unreasonable claim does (docs/kpis.md, 考核口径): another unit's rows of the order stay assessed."""

from __future__ import annotations

import pytest

from hotline.core import clock
from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.kpis.tests.scenario import AS_OF, at
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)


def _upheld_appeal(t: Ticket, cast: Cast) -> Ticket:
    t = services.appeal(t, actor=cast.lead_handler, unit=cast.lead, reason="群众诉求超出职责范围")
    return services.decide_appeal(t, actor=cast.supervisor, uphold=True, note="申诉成立")


def _assessed(code: str, unit: object) -> tuple[int, int]:
    fig = engine.figure(code, engine.context(MARCH, as_of=AS_OF, assessment=True), Cut(unit=unit, subtree=False))
    return (int(fig.numerator or 0), fig.denominator)


def test_the_next_rounds_unit_stays_assessed(cast: Cast) -> None:
    """A completes round 1 and its appeal is upheld; the order is reopened and sent to B, which never signs.
    B's missed sign and overdue reply are B's own: A's appeal does not clear them."""
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    with clock.frozen(at(3)):
        t = make_ticket(Status.CLOSED, cast=cast)
        t = _upheld_appeal(t, cast)
    with clock.frozen(at(5)):
        t = services.reopen(t, actor=cast.supervisor, reason="群众反映问题复发")
        services.dispatch(t, actor=cast.dispatcher, lead=other)
    assert _assessed("sign_timely", other) == (0, 1)
    assert _assessed("on_time", other) == (0, 1)
    # the appealing unit's own round stays out, as before
    assert _assessed("sign_timely", cast.lead) == (0, 0)
    assert _assessed("completion", cast.lead) == (0, 0)


def test_an_assisting_units_late_sign_is_not_cleared_by_the_leads_appeal() -> None:
    """Lead A's appeal is upheld; assisting unit C signed weeks late on its own: C's late sign stays C's."""
    cast = Cast.build(assisting=1)
    helper = cast.assisting[0]
    with clock.frozen(at(3)):
        t = make_ticket(Status.IN_PROGRESS, cast=cast, assist_signs=False)
    with clock.frozen(at(20)):
        t = services.sign(t, actor=cast.assist_handlers[0], unit=helper)  # weeks late
        t = services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已处理", public_reply="已处理",
                           contacted=True, resolved=True, is_truthful=True)
    with clock.frozen(at(21)):
        t = services.approve_reply(t, actor=cast.inspector)
        t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                         satisfaction=Satisfaction.SATISFIED)
        t = _upheld_appeal(t, cast)
    assert t.status == Status.CLOSED
    assert _assessed("sign_timely", helper) == (0, 1)
    assert _assessed("sign_timely", cast.lead) == (0, 0)  # the lead's own rows are out
    assert _assessed("satisfaction", cast.lead) == (0, 0)
