"""响应率 from the citizen's answer to 「承办单位是否联系过您？」, the unit's own 已联系群众 only where it is missing.

A hand-built March 2025 (Beijing time), five orders of one lead unit, each visited once on the 6th:

    yes       reply claims contact, citizen says the unit contacted them      → responded
    no        reply claims contact, citizen says it did not (the contradiction) → not responded
    missing   reply claims contact, citizen not asked (older visit)            → responded (fallback)
    denied    reply says no contact, citizen not asked                         → not responded (fallback)
    overruled reply says no contact, citizen says the unit did contact them    → responded

响应率 3/5 for the city and for the unit.
"""

from __future__ import annotations

import pytest

from hotline.core import clock
from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.kpis.tests.scenario import AS_OF, at
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.models import ReturnVisit, Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)

#: name → (the reply's 已联系群众, the citizen's answer)
CASES: dict[str, tuple[bool, bool | None]] = {
    "yes": (True, True), "no": (True, False), "missing": (True, None), "denied": (False, None),
    "overruled": (False, True)}


def _replied(cast: Cast, *, claims_contact: bool) -> Ticket:
    """An order whose lead replied on the 5th (已联系群众 as given) and the centre approved the reply."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=at(4))
    with clock.frozen(at(5)):
        t = services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已处理", contacted=claims_contact,
                           resolved=True)
        return services.approve_reply(t, actor=cast.inspector)


def _visited(t: Ticket, cast: Cast, unit_contacted: bool | None) -> Ticket:
    with clock.frozen(at(6)):
        return services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                            satisfaction=Satisfaction.SATISFIED, unit_contacted=unit_contacted)


@pytest.fixture
def orders(cast: Cast) -> dict[str, Ticket]:
    return {name: _visited(_replied(cast, claims_contact=claim), cast, answer)
            for name, (claim, answer) in CASES.items()}


def test_the_citizens_answer_decides_and_the_reply_fills_in_only_when_it_is_missing(
        orders: dict[str, Ticket], cast: Cast) -> None:
    ctx = engine.context(MARCH, as_of=AS_OF)
    f = engine.figure("response", ctx)
    assert (f.numerator, f.denominator) == (3, 5)
    mine = engine.figure("response", ctx, Cut(unit=cast.lead, subtree=False))
    assert (mine.numerator, mine.denominator) == (3, 5)


@pytest.mark.parametrize(("name", "responded"), [
    ("yes", True), ("no", False), ("missing", True), ("denied", False), ("overruled", True)])
def test_each_case_alone(cast: Cast, name: str, responded: bool) -> None:
    claim, answer = CASES[name]
    t = _visited(_replied(cast, claims_contact=claim), cast, answer)
    assert ReturnVisit.objects.get(ticket=t).unit_contacted is answer
    f = engine.figure("response", engine.context(MARCH, as_of=AS_OF))
    assert (f.numerator, f.denominator) == (1 if responded else 0, 1)


def test_a_reached_visit_without_the_question_asked_falls_back_to_the_reply(cast: Cast) -> None:
    """Visits recorded before the question existed have no answer: the unit's 已联系群众 stands in, as before."""
    t = _replied(cast, claims_contact=True)
    with clock.frozen(at(6)):
        services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    assert ReturnVisit.objects.get(ticket=t).unit_contacted is None
    f = engine.figure("response", engine.context(MARCH, as_of=AS_OF))
    assert (f.numerator, f.denominator) == (1, 1)
