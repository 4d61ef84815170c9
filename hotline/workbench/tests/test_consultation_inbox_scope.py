"""The unit inbox's 会商 tab: the scope of the inbox's other tabs (the person's units and those below), and the
consultations a unit answered that wait for the desk's conclusion (已答复，待定责), after those to answer. Its badge
counts only those still waiting for an opinion of the scope (something to do); its list holds both."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets import services
from hotline.tickets.choices import Action, Stance, Status
from hotline.tickets.exceptions import NotPermitted
from hotline.tickets.models import Ticket
from hotline.tickets.permissions import available_actions
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket
from hotline.workbench.tests.test_consultation_queues import _client

pytestmark = pytest.mark.django_db

QUESTION = "小区内违章搭建，属街道综合执法还是区规划部门职责"


def _tab(user: User, language: str = "", **params: str) -> Any:
    return _client(user, language).get(reverse("queue-inbox"), {"tab": "consult", **params})


def _numbers(response: Any) -> list[str]:
    return [t.number for t in response.context["orders"]]


def _count(response: Any) -> int:
    return {t["key"]: t["count"] for t in response.context["tabs"]}["consult"]


def _consulted(cast: Cast, units: list[HandlingUnit]) -> Ticket:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    return services.start_consultation(ticket, actor=cast.dispatcher, units=units, question=QUESTION)


def _answer(ticket: Ticket, handler: User, basis: str = "履职清单无此项") -> Ticket:
    return services.give_opinion(ticket, actor=handler, stance=Stance.NOT_OURS, basis=basis)


@pytest.fixture
def district(cast: Cast) -> tuple[HandlingUnit, User, HandlingUnit, User]:
    """The lead street's district with its admin, and a second street of it with its handler."""
    district = cast.lead.parent
    street = HandlingUnitFactory(kind=UnitKind.STREET, parent=district)
    return (district, UserFactory(role=Role.UNIT_ADMIN, units=[district]), street,
            UserFactory(role=Role.UNIT_HANDLER, units=[street]))


def _department() -> HandlingUnit:
    return HandlingUnitFactory(kind=UnitKind.DEPARTMENT)


# --- (a) The scope: the person's units and those below --------------------------------------------------


def test_a_district_sees_its_streets_invitations_labelled_but_may_not_answer(
        cast: Cast, frozen_now: datetime, district: tuple) -> None:
    unit, admin, street, _street_handler = district
    ours = _consulted(cast, [cast.lead, _department()])
    both = _consulted(cast, [street, cast.lead])
    elsewhere = _consulted(cast, [_department(), HandlingUnitFactory(
        kind=UnitKind.STREET, parent=HandlingUnitFactory(kind=UnitKind.DISTRICT))])
    response = _tab(admin)
    assert set(_numbers(response)) == {ours.number, both.number} and elsewhere.number not in _numbers(response)
    assert _count(response) == 2 == response.context["page"].paginator.count
    rows = {t.number: t.consult for t in response.context["orders"]}
    assert [(o.unit, o.own) for o in rows[ours.number].ours] == [(cast.lead, False)]
    assert [(o.unit, o.own) for o in rows[both.number].ours] == [(street, False), (cast.lead, False)]
    body = response.content.decode()
    assert body.count("由该单位答复") == 3 and cast.lead.name in body and street.name in body
    # Only the invited unit's own members answer: the district neither is offered the step nor may take it.
    assert Action.GIVE_OPINION not in available_actions(ours, admin)
    with pytest.raises(NotPermitted):
        _answer(ours, admin)
    # The street's own handler sees its invitation as its own (no label), and not its sibling's.
    response = _tab(cast.lead_handler)
    assert set(_numbers(response)) == {ours.number, both.number}
    assert all(o.own and o.unit == cast.lead for t in response.context["orders"] for o in t.consult.ours)
    assert "由该单位答复" not in response.content.decode()


def test_a_unit_above_counts_as_many_orders_as_it_lists(cast: Cast, frozen_now: datetime, district: tuple) -> None:
    """One order inviting two of the district's streets is one row, in the tab and in its count."""
    _unit, admin, street, _street_handler = district
    _consulted(cast, [cast.lead, street])
    response = _tab(admin)
    assert _count(response) == 1 == len(response.context["orders"])
    assert _count(_client(admin).get(reverse("queue-inbox"))) == 1  # the badge on the other tabs too


# --- (b) Answered, waiting for the desk's conclusion ----------------------------------------------------


def test_answered_stays_listed_after_the_unanswered_until_the_conclusion(
        traveller: time_machine.Coordinates) -> None:
    cast = Cast.build()
    early = _answer(_consulted(cast, [cast.lead, _department()]), cast.lead_handler)
    traveller.shift(timedelta(days=1))
    late = _consulted(cast, [cast.lead, _department()])
    for sort in ("opinions_due", "-opinions_due"):  # the unanswered first, whichever the direction
        response = _tab(cast.lead_handler, sort=sort)
        assert _numbers(response) == [late.number, early.number], sort
    assert _count(response) == 1 and response.context["page"].paginator.count == 2  # the badge: late only
    rows = {t.number: t.consult for t in response.context["orders"]}
    assert rows[early.number].waiting is False and rows[early.number].mine == []
    assert rows[late.number].waiting is True
    body = response.content.decode()
    assert body.count("已答复，待定责") == 1 and body.count("定责前仍可修改意见") == 1
    # Still open: the answer may be revised, and the order stays until the desk concludes.
    early = services.give_opinion(early, actor=cast.lead_handler, stance=Stance.ASSIST, basis="可配合清理")
    assert _numbers(_tab(cast.lead_handler)) == [late.number, early.number]
    services.conclude_consultation(early, actor=cast.dispatcher, lead=cast.lead, note="属街道属地管理职责")
    services.withdraw_consultation(late, actor=cast.dispatcher, reason="邀请单位有误")
    response = _tab(cast.lead_handler)
    assert _numbers(response) == [] and _count(response) == 0


def test_a_district_row_waits_while_one_of_its_streets_has_not_answered(
        cast: Cast, frozen_now: datetime, district: tuple) -> None:
    _unit, admin, street, street_handler = district
    half = _answer(_consulted(cast, [cast.lead, street]), street_handler)
    done = _answer(_consulted(cast, [cast.lead, _department()]), cast.lead_handler)
    response = _tab(admin)
    assert _numbers(response) == [half.number, done.number]
    assert _count(response) == 1 and response.context["page"].paginator.count == 2  # the badge: half only
    assert _count(_client(admin).get(reverse("queue-inbox"))) == 1  # the same badge on the other tabs
    rows = {t.number: t.consult for t in response.context["orders"]}
    assert rows[half.number].waiting and [o.unit for o in rows[half.number].mine] == [cast.lead]
    assert not rows[done.number].waiting
    body = response.content.decode()
    assert body.count("已答复，待定责") == 2  # the street's answer and the lead street's
    assert "定责前仍可修改意见" not in body  # the district does not revise its streets' answers


def test_an_answered_late_consultation_is_not_marked_late_for_the_unit(traveller: time_machine.Coordinates) -> None:
    cast = Cast.build()
    _answer(_consulted(cast, [cast.lead, _department()]), cast.lead_handler)
    traveller.shift(timedelta(days=7))  # the deadline passed; the other unit still has not answered
    body = _tab(cast.lead_handler).content.decode()
    assert "已答复，待定责" in body and '<span class="tag warn">逾期</span>' not in body


def test_english_labels(cast: Cast, frozen_now: datetime, district: tuple) -> None:
    _unit, admin, street, street_handler = district
    _answer(_consulted(cast, [cast.lead, street]), street_handler)
    body = _tab(admin, "en").content.decode()
    for text in ("Answered, awaiting the duty decision", "For that unit to answer"):
        assert text in body, text
    assert "May be revised until the decision" in _tab(street_handler, "en").content.decode()
    assert "会商" not in body and "定责" not in body


def test_the_badge_counts_only_what_waits_for_an_opinion(
        cast: Cast, frozen_now: datetime, district: tuple) -> None:
    """Every invitation of the scope answered: listed (已答复，待定责) but nothing to do, so no count; a unit's
    own answer while a sibling street still has to answer keeps the order counted for the district."""
    _unit, admin, street, street_handler = district
    done = _answer(_consulted(cast, [street, _department()]), street_handler)
    response = _tab(admin)
    assert _numbers(response) == [done.number]
    assert _count(response) == 0 and response.context["page"].paginator.count == 1
    assert "共 1 件" in response.content.decode()  # the list's own total, not the badge
    both = _answer(_consulted(cast, [street, cast.lead]), street_handler)
    response = _tab(admin)
    assert _numbers(response) == [both.number, done.number] and _count(response) == 1
    assert _count(_tab(street_handler)) == 0 and _count(_tab(cast.lead_handler)) == 1
    _answer(both, cast.lead_handler)
    response = _tab(admin)
    assert _count(response) == 0 and response.context["page"].paginator.count == 2


# --- Queries do not grow with the rows --------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "street_handler"])
def test_queries_do_not_grow_with_the_rows(cast: Cast, frozen_now: datetime, district: tuple, who: str) -> None:
    _unit, admin, street, street_handler = district
    client = _client(admin if who == "admin" else street_handler)

    def add(n: int) -> None:
        for _ in range(n):
            _consulted(cast, [street, _department()])
            _answer(_consulted(cast, [street, cast.lead]), street_handler)
            _consulted(cast, [cast.lead, street])

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("queue-inbox"), {"tab": "consult"})
        return len(captured.captured_queries), len(response.context["orders"])

    add(1)
    client.get(reverse("queue-inbox"), {"tab": "consult"})  # warm-up (session, caches)
    few, rows = queries()
    add(3)
    many, more_rows = queries()
    assert rows == 3 and more_rows == 12
    assert many == few
