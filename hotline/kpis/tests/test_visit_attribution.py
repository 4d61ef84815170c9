"""Which unit a return visit (回访) judges when the lead changed afterwards: the lead that held the order when
the citizen was called (docs/kpis.md, 单位归属), not the one holding it now.

After a 下派 order came back up to the unit above (退单 of the unit below), the visit on the unit below's reply
stays the unit below's; after 改派 or an accepted 退单, the visit on the first unit's reply stays that unit's
instead of counting for nobody.
"""

from __future__ import annotations

import pytest

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.kpis import engine, periods
from hotline.kpis.tests.scenario import AS_OF, at
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import ReturnReason, Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)
VISIT_INDICATORS = ("response", "resolution", "first_resolution", "satisfaction")


def _unsatisfied(t: Ticket, cast: Cast) -> Ticket:
    t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=False,
                                     satisfaction=Satisfaction.UNSATISFIED)
    assert t.status == Status.IN_PROGRESS  # 重办
    return t


def test_the_unit_below_keeps_its_visit_after_returning_the_order_up() -> None:
    """District A hands the order down (下派) to street B; B's reply is visited (未解决, 重办 to B); B then
    returns the order up (退单 within its window). The visit judged B's reply: it is B's, not A's."""
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    street = HandlingUnitFactory(kind=UnitKind.STREET, parent=district)
    cast = Cast.build(lead=district)
    street_handler = UserFactory(role=Role.UNIT_HANDLER, units=[street])
    with clock.frozen(at(3)):
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
        t = services.forward(t, actor=cast.lead_handler, to=street, note="请街道办理")
        t = services.sign(t, actor=street_handler, unit=street)
        t = services.reply(t, actor=street_handler, unit=street, content="已处理", public_reply="已处理",
                           contacted=True, resolved=True, is_truthful=True)
        t = services.approve_reply(t, actor=cast.inspector)
    with clock.frozen(at(3, 14)):
        t = _unsatisfied(t, cast)
    with clock.frozen(at(3, 15)):
        t = services.return_order(t, actor=street_handler, unit=street, reason_code=ReturnReason.NOT_OUR_DUTY,
                                  reason="非本街道职责")
    assert t.status == Status.IN_PROGRESS  # back with the district
    ctx = engine.context(MARCH, as_of=AS_OF)
    for code in VISIT_INDICATORS:
        units = engine.by_unit(code, ctx)
        assert district.pk not in units, code
        assert units[street.pk].denominator == 1, code
    assert engine.by_unit("resolution", ctx)[street.pk].numerator == 0


@pytest.mark.parametrize("how", ["reassign", "accepted_return"])
def test_a_visit_before_the_unit_gave_the_order_up_stays_that_units(cast: Cast, how: str) -> None:
    """A's reply is approved and the citizen is 不满意 (重办 back to A); then the centre reassigns (改派) the
    order to B, or accepts A's 退单 and sends it to B. The visit judged A's reply: A keeps it (it would
    otherwise count for nobody, and A would gain from giving the order up); B has no visit yet."""
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    with clock.frozen(at(3)):
        t = make_ticket(Status.AWAITING_VISIT, cast=cast)
    with clock.frozen(at(3, 14)):
        t = _unsatisfied(t, cast)
    with clock.frozen(at(4)):
        if how == "reassign":
            t = services.reassign(t, actor=cast.dispatcher, reason="原单位办理不力，改派", lead=other)
        else:
            t = services.return_order(t, actor=cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                                      reason="非本单位职责")
            t = services.accept_return(t, actor=cast.dispatcher, note="同意", lead=other)
    ctx = engine.context(MARCH, as_of=AS_OF)
    assert engine.figure("resolution", ctx).denominator == 1
    for code in VISIT_INDICATORS:
        units = engine.by_unit(code, ctx)
        assert set(units) == {cast.lead.pk}, code
        assert units[cast.lead.pk].denominator == 1, code
    assert engine.by_unit("satisfaction", ctx)[cast.lead.pk].numerator == 0


def test_each_round_of_a_reopened_order_judges_its_own_lead(cast: Cast) -> None:
    """Round 1 led by A closes at its visit (满意); the order is reopened and sent to B, whose visit is 不满意."""
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    other_handler = UserFactory(role=Role.UNIT_HANDLER, units=[other])
    with clock.frozen(at(3)):
        t = make_ticket(Status.CLOSED, cast=cast)
    with clock.frozen(at(5)):
        t = services.reopen(t, actor=cast.supervisor, reason="问题复发")
        t = services.dispatch(t, actor=cast.dispatcher, lead=other)
        t = services.sign(t, actor=other_handler)
        t = services.reply(t, actor=other_handler, content="再次处理", contacted=True, resolved=True)
        t = services.approve_reply(t, actor=cast.inspector)
    with clock.frozen(at(6)):
        t = _unsatisfied(t, cast)
    units = engine.by_unit("satisfaction", engine.context(MARCH, as_of=AS_OF))
    # the KPI's last valid visit of the period is round 2's, B's; round 1's visit is not B's
    assert set(units) == {other.pk}
    first = engine.by_unit("first_resolution", engine.context(MARCH, as_of=AS_OF))
    assert set(first) == {cast.lead.pk}  # the first valid visit ever was round 1's, on A's reply
