"""The citizen-facing indicators and proactive orders (主动发现, 未诉先办), and orders closed as unreachable.

A proactive order has no caller: it is never answered on the spot for one (直接答复率) and is checked on
site (现场核查) instead of visited (回访率, and the 三率 over valid return visits). The unit that handled it is
still judged on the handling (签收及时率, 按时办结率, 办结率 …).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.core import clock
from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.kpis.tests.scenario import AS_OF, at
from hotline.tickets import services
from hotline.tickets.choices import Channel, Status, VisitMethod
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)
PHONE = "13800002222"
CITIZEN_VISITS = ("response", "resolution", "satisfaction")


def _fig(code: str, *, cut: Cut | None = None, assessment: bool = False) -> engine.Figure:
    return engine.figure(code, engine.context(MARCH, as_of=AS_OF, assessment=assessment), cut)


def _pair(code: str, **kwargs) -> tuple:  # noqa: ANN003
    fig = _fig(code, **kwargs)
    return fig.numerator, fig.denominator


def _orders(code: str, part: str = "den") -> set[int]:
    ctx = engine.context(MARCH, as_of=AS_OF)
    return set(engine.orders(code, ctx, part=part).values_list("pk", flat=True))


def _verified(cast: Cast, *, day: int = 5, resolved: bool = True) -> Ticket:
    """A proactive order replied and approved on the 4th, checked on site on `day`."""
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, at=at(4), channel=Channel.PROACTIVE)
    with clock.frozen(at(day)):
        return services.record_return_visit(t, actor=cast.inspector, contacted=False, resolved=resolved,
                                            method=VisitMethod.VERIFY, note="现场查看")


def _visited(cast: Cast) -> Ticket:
    """A citizen's order closed by a satisfied, resolved return visit on the 4th."""
    return make_ticket(Status.CLOSED, cast=cast, at=at(4), caller_phone=PHONE)


def test_direct_answer_rate_leaves_proactive_orders_out(cast: Cast) -> None:
    answered = make_ticket(Status.ANSWERED, cast=cast, at=at(4))
    handled = _visited(cast)
    proactive = [make_ticket(Status.PENDING_DISPATCH, cast=cast, at=at(4), channel=Channel.PROACTIVE), _verified(cast)]
    assert _pair("direct_answer") == (1, 2)  # 1 of the 2 citizens' orders, not 2 of 4
    assert _orders("direct_answer") == {answered.pk, handled.pk}
    assert _orders("direct_answer", "num") == {answered.pk}
    assert _fig("volume").denominator == 4  # still registered: 受理量 counts every order
    assert _fig("direct_answer", cut=Cut(channel=Channel.PROACTIVE)).value is None
    assert all(t.channel == Channel.PROACTIVE for t in proactive)


def test_return_visit_rate_leaves_proactive_orders_out(cast: Cast) -> None:
    visited = _visited(cast)
    _verified(cast)
    # Put right only at the second check: two approved replies, neither a row of 回访率.
    again = _verified(cast, resolved=False)
    assert again.status == Status.IN_PROGRESS
    with clock.frozen(at(6)):
        again = services.reply(again, actor=cast.lead_handler, unit=cast.lead, content="已再次修复",
                               contacted=False, resolved=True)
        again = services.approve_reply(again, actor=cast.inspector)
    with clock.frozen(at(7)):
        again = services.record_return_visit(again, actor=cast.inspector, contacted=False, resolved=True,
                                             method=VisitMethod.VERIFY)
    assert again.status == Status.CLOSED
    assert _pair("visit") == (1, 1)  # not 1 of 4: nobody to call is not a missed visit
    assert _orders("visit") == {visited.pk}
    assert _pair("visit", assessment=True) == (1, 1)


def test_a_check_on_site_is_never_a_valid_visit(cast: Cast) -> None:
    """响应率, 解决率, 满意率 count valid return visits only; a 现场核查 is none, put right or not."""
    visited = _visited(cast)
    _verified(cast, resolved=True)
    _verified(cast, resolved=False)
    unit = Cut(unit=cast.lead, subtree=False)
    for code in CITIZEN_VISITS:
        for kwargs in ({}, {"cut": unit}, {"assessment": True}):
            assert _fig(code, **kwargs).denominator == 1, (code, kwargs)
        assert _orders(code) == {visited.pk}
        per_unit = engine.by_unit(code, engine.context(MARCH, as_of=AS_OF, assessment=True))
        assert per_unit[cast.lead.pk].denominator == 1
    assert _fig("satisfaction").value == 1 and _fig("resolution").value == 1  # the unresolved check is not one
    # The unit is still judged on the handling of the proactive orders.
    assert _fig("completion", cut=unit).denominator == 3
    assert _fig("on_time", cut=unit).denominator == 3
    assert _pair("rehandle", cut=unit) == (1, 3)  # the check that found it not put right sent it back


def test_an_order_closed_as_unreachable_stays_in_the_return_visit_rate_unvisited(cast: Cast) -> None:
    visited = _visited(cast)
    unreachable = make_ticket(Status.AWAITING_VISIT, cast=cast, at=at(4), caller_phone=PHONE)
    no_phone = make_ticket(Status.AWAITING_VISIT, cast=cast, at=at(4), caller_phone="")
    for attempt in range(3):
        with clock.frozen(at(5) + timedelta(hours=attempt)):
            unreachable = services.record_return_visit(unreachable, actor=cast.inspector, contacted=False)
    with clock.frozen(at(5)):
        no_phone = services.record_return_visit(no_phone, actor=cast.inspector, contacted=False)
    assert unreachable.status == no_phone.status == Status.CLOSED
    assert unreachable.timeline.last().data["unreachable"] is True
    assert _pair("visit") == (1, 3)  # in the base, not in the numerator
    assert _orders("visit") == {visited.pk, unreachable.pk, no_phone.pk}
    assert _orders("visit", "num") == {visited.pk}
    for code in CITIZEN_VISITS:  # nor a valid return visit
        assert _fig(code).denominator == 1, code


def test_repeat_call_rate_counts_callers_only(cast: Cast) -> None:
    """重复来电率 is about citizens calling again: the centre's own orders are not in its base."""
    make_ticket(Status.PENDING_DISPATCH, cast=cast, at=at(4), caller_phone=PHONE)
    make_ticket(Status.PENDING_DISPATCH, cast=cast, at=at(4), channel=Channel.PROACTIVE)
    assert _pair("repeat")[1] == 1
