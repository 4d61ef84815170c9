"""会商 in the work queues: the unit inbox's 会商 tab, the dispatch queue's 会商中 tab and marker, bulk refusal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets import services
from hotline.tickets.choices import Action, Stance, Status
from hotline.tickets.models import Consultation, Ticket
from hotline.tickets.services.consultation import CONSULTATION_OPEN
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

QUESTION = "楼道堆放杂物占用消防通道，属物业管理还是消防监管职责不清，请各单位对照三定方案、权责清单和履职清单的相关条目说明本单位是否负有监管职责"


def _client(user: User, language: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def _numbers(response: Any) -> list[str]:
    return [t.number for t in response.context["orders"]]


def _counts(response: Any) -> dict[str, int]:
    return {t["key"]: t["count"] for t in response.context["tabs"]}


def _department() -> tuple[HandlingUnit, User]:
    unit = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    return unit, UserFactory(role=Role.UNIT_HANDLER, units=[unit])


def _consulted(cast: Cast, units: list[HandlingUnit], **draft: Any) -> Ticket:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, **draft)
    return services.start_consultation(ticket, actor=cast.dispatcher, units=units, question=QUESTION)


def _answer(ticket: Ticket, handler: User) -> Ticket:
    return services.give_opinion(ticket, actor=handler, stance=Stance.NOT_OURS, basis="履职清单无此项")


@pytest.fixture
def traveller_cast(traveller: time_machine.Coordinates) -> tuple[time_machine.Coordinates, Cast]:
    return traveller, Cast.build()


# --- The unit inbox's 会商 tab ---------------------------------------------------------------------


def test_inbox_lists_the_own_units_open_invitations_unanswered_first(traveller_cast: tuple) -> None:
    """Invited and unanswered → listed, oldest deadline first; answered but not concluded → listed after them;
    another unit's, or concluded → not; the badge counts those waiting for the unit's opinion only."""
    clock, cast = traveller_cast
    department, department_handler = _department()
    other, _other_handler = _department()
    older = _consulted(cast, [cast.lead, department])
    clock.shift(timedelta(days=1))
    newer = _consulted(cast, [department, cast.lead])
    answered = _answer(_consulted(cast, [cast.lead, department]), cast.lead_handler)
    theirs = _consulted(cast, [department, other])
    concluded = services.conclude_consultation(_consulted(cast, [cast.lead, department]), actor=cast.dispatcher,
                                               lead=cast.lead, note="属街道属地管理职责")
    make_ticket(Status.DISPATCHED, cast=cast)  # an ordinary order: its own tab, not 会商
    client = _client(cast.lead_handler)
    response = client.get(reverse("queue-inbox"), {"tab": "consult"})
    assert _numbers(response) == [older.number, newer.number, answered.number]
    counts = _counts(response)
    assert counts["consult"] == 2 and response.context["page"].paginator.count == 3
    assert counts["sign"] == 2  # the concluded order was dispatched to the street: 待签收
    assert concluded.number not in _numbers(response)
    assert theirs.number not in _numbers(response)
    row = response.context["orders"][0]
    assert [o.unit for o in row.consult.mine] == [cast.lead]
    body = response.content.decode()
    assert "会商邀请" in body and cast.lead.name in body and QUESTION[:20] in body and QUESTION not in body
    assert "意见时限" in body and "逾期" not in body
    assert not response.context["bulk"] and 'name="numbers"' not in body  # no bulk action on this tab
    # The other invited unit still has all four open invitations to answer (two answered by nobody else).
    assert _counts(_client(department_handler).get(reverse("queue-inbox")))["consult"] == 4


def test_inbox_answering_moves_the_order_after_the_unanswered_and_a_late_one_is_marked(
        traveller_cast: tuple) -> None:
    clock, cast = traveller_cast
    department, _handler = _department()
    late = _consulted(cast, [cast.lead, department])
    soon = _consulted(cast, [cast.lead, department])
    clock.shift(timedelta(days=7))  # past the opinions' deadline (1 working day by default)
    client = _client(cast.lead_handler)
    response = client.get(reverse("queue-inbox"), {"tab": "consult"})
    assert set(_numbers(response)) == {late.number, soon.number}
    assert all(t.consult.overdue for t in response.context["orders"])
    assert '<span class="tag warn">逾期</span>' in response.content.decode()  # said in words, not only colour
    _answer(soon, cast.lead_handler)
    response = client.get(reverse("queue-inbox"), {"tab": "consult"})
    assert _numbers(response) == [late.number, soon.number] and _counts(response)["consult"] == 1
    body = response.content.decode()
    assert body.count('<span class="tag warn">逾期</span>') == 1  # answered: no longer late on its part
    assert body.count("已答复，待定责") == 1


def test_inbox_count_is_one_small_query_apart_from_the_assignments(cast: Cast, frozen_now: datetime) -> None:
    """The assignment tabs' counts stay one query; the 会商 count is one more, on the opinions."""
    department, _handler = _department()
    _consulted(cast, [cast.lead, department])
    with CaptureQueriesContext(connection) as captured:
        response = _client(cast.lead_handler).get(reverse("queue-inbox"))
    assert _counts(response)["consult"] == 1
    opinion_counts = [q["sql"] for q in captured.captured_queries
                      if "tickets_opinion" in q["sql"] and "COUNT(DISTINCT" in q["sql"]]
    assert len(opinion_counts) == 1 and "tickets_assignment" not in opinion_counts[0]
    assignment_counts = [q["sql"] for q in captured.captured_queries
                         if 'FROM "tickets_assignment"' in q["sql"] and "COUNT(DISTINCT" in q["sql"]]
    assert len(assignment_counts) == 1 and "tickets_opinion" not in assignment_counts[0]


# --- The dispatch queue ----------------------------------------------------------------------------


def test_dispatch_consulting_tab_shows_answers_deadline_and_late_units(traveller_cast: tuple) -> None:
    clock, cast = traveller_cast
    department, _department_handler = _department()
    other, _other_handler = _department()
    consulting = _answer(_consulted(cast, [cast.lead, department, other]), cast.lead_handler)
    plain = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    make_ticket(Status.RETURNED, cast=cast)
    services.conclude_consultation(_consulted(cast, [cast.lead, department]), actor=cast.dispatcher,
                                   lead=cast.lead, note="属街道属地管理职责")
    client = _client(cast.dispatcher)
    response = client.get(reverse("queue-dispatch"), {"tab": "consulting"})
    assert _numbers(response) == [consulting.number]
    assert _counts(response) == {"pending": 2, "consulting": 1, "returned": 1}
    view = response.context["orders"][0].consult
    assert (view.answered, view.invited, view.overdue) == (1, 3, False)
    body = response.content.decode()
    assert "已答复 1/3" in body and "意见时限" in body and "逾期未答复" not in body
    clock.shift(timedelta(days=7))
    body = client.get(reverse("queue-dispatch"), {"tab": "consulting"}).content.decode()
    late = body[body.index("逾期未答复"):]
    assert department.name in late and other.name in late and cast.lead.name not in late
    # Still 待派单 as well, marked so that nobody tries to dispatch it.
    response = client.get(reverse("queue-dispatch"))
    assert set(_numbers(response)) == {consulting.number, plain.number}
    marked = {t.number: t.consulting for t in response.context["orders"]}
    assert marked == {consulting.number: True, plain.number: False}
    assert response.content.decode().count('<span class="tag warn" title="会商定责后派单">会商中</span>') == 1


def test_bulk_dispatch_refuses_an_order_under_consultation(cast: Cast, frozen_now: datetime) -> None:
    department, _handler = _department()
    consulting = _consulted(cast, [cast.lead, department])
    plain = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    response = _client(cast.dispatcher).post(reverse("bulk-action"), {
        "action": Action.DISPATCH, "numbers": [consulting.number, plain.number], "next": "/work/dispatch/",
        "submission": "", f"{Action.DISPATCH}-lead": cast.lead.pk})
    report = response.context["report"]
    assert [o.number for o in report.done] == [plain.number]
    assert {o.number: o.message for o in report.refused} == {consulting.number: str(CONSULTATION_OPEN)}
    assert str(CONSULTATION_OPEN) in response.content.decode()
    consulting.refresh_from_db()
    assert consulting.status == Status.PENDING_DISPATCH
    assert Consultation.objects.get(ticket=consulting).status == "open"


def test_english_labels(traveller_cast: tuple) -> None:
    clock, cast = traveller_cast
    department, _handler = _department()
    _answer(_consulted(cast, [cast.lead, department]), cast.lead_handler)
    _consulted(cast, [cast.lead, department])
    clock.shift(timedelta(days=7))
    body = _client(cast.dispatcher, "en").get(reverse("queue-dispatch"), {"tab": "consulting"}).content.decode()
    for text in ("Consulting", "Answered 1/2", "Answered 0/2", "Opinions due", "Overdue", "Not answered in time",
                 "Consultation progress", "Opinions due (earliest first)"):
        assert text in body, text
    body = _client(cast.lead_handler, "en").get(reverse("queue-inbox"), {"tab": "consult"}).content.decode()
    for text in ("Consultation", "Consultation invitation", "Opinions due", "Overdue"):
        assert text in body, text
    assert "会商" not in body and "逾期" not in body


# --- Queries do not grow with the rows --------------------------------------------------------------


@pytest.mark.parametrize(("user", "page", "tab"), [
    ("lead_handler", "queue-inbox", "consult"),
    ("dispatcher", "queue-dispatch", "consulting"),
    ("dispatcher", "queue-dispatch", "pending"),
])
def test_queries_do_not_grow_with_the_rows(cast: Cast, frozen_now: datetime, user: str, page: str,
                                           tab: str) -> None:
    department, _handler = _department()
    client = _client(getattr(cast, user))

    def add(n: int) -> None:
        for _ in range(n):
            _consulted(cast, [cast.lead, department])
            make_ticket(Status.PENDING_DISPATCH, cast=cast)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(page), {"tab": tab})
        return len(captured.captured_queries), len(response.context["orders"])

    add(2)
    client.get(reverse(page), {"tab": tab})  # warm-up (session, caches)
    few, rows = queries()
    add(4)
    many, more_rows = queries()
    assert more_rows == 3 * rows > 0
    assert many == few
