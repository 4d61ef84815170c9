"""The return-visit step over the API: a proactive order (主动发现) is checked on site (现场核查) through
`POST …/actions/return_visit`, a citizen's order still needs `contacted`; refusals change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.tickets.choices import Channel, Status, VisitMethod
from hotline.tickets.models import ReturnVisit, Ticket
from hotline.tickets.tests.factories import Cast, make_ticket, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: Any) -> Cast:
    return Cast.build()


@pytest.fixture
def inspector(cast: Cast, api_client: Any) -> Any:
    client = Client()
    client.force_login(cast.inspector)
    return api_client(client=client)


def _visit(inspector: Any, ticket: Ticket, **body: Any) -> Any:
    return inspector.post(f"/orders/{ticket.number}/actions/return_visit", {"version": ticket.version, **body})


def test_a_proactive_order_is_checked_on_site_through_the_action(cast: Cast, inspector: Any) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    [offered] = [a for a in inspector.get(f"/orders/{ticket.number}/actions").json()
                 if a["action"] == "return_visit"]
    assert offered["label"] == "现场核查"
    r = _visit(inspector, ticket, method=VisitMethod.VERIFY, resolved=True, note="现场查看：路面已修复")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.CLOSED
    visits = inspector.get(f"/orders/{ticket.number}/return-visits").json()
    assert [(v["method"], v["contacted"], v["resolved"], v["satisfaction"]) for v in visits] == [
        (VisitMethod.VERIFY, False, True, "")]


def test_a_check_that_finds_it_not_solved_goes_back_to_the_unit(cast: Cast, inspector: Any) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    r = _visit(inspector, ticket, method=VisitMethod.VERIFY, resolved=False, contacted=True,
               satisfaction="satisfied")  # a call's answers are not asked of a check: ignored
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.IN_PROGRESS
    assert ReturnVisit.objects.get(ticket=ticket).contacted is False


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"method": VisitMethod.VERIFY}, "resolved", None),
    ({"method": VisitMethod.PHONE, "resolved": True}, None, "主动发现的工单没有来电群众"),
])
def test_a_refused_check_changes_nothing(cast: Cast, inspector: Any, body: dict, field: str | None,
                                         message: str | None) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    before = stored(ticket)
    r = _visit(inspector, ticket, **body)
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    if field:
        assert error["code"] == "validation_error" and field in error["details"]
    else:
        assert error["code"] == "rule_violation" and message in error["message"]
    assert stored(ticket) == before and not ReturnVisit.objects.filter(ticket=ticket).exists()


def test_a_citizens_order_needs_contacted_and_no_check(cast: Cast, inspector: Any) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="13800001111")
    before = stored(ticket)
    r = _visit(inspector, ticket, method=VisitMethod.PHONE, resolved=True, satisfaction="satisfied")
    assert r.status_code == 400 and "contacted" in r.json()["error"]["details"]
    r = _visit(inspector, ticket, method=VisitMethod.VERIFY, contacted=False, resolved=True)
    assert r.status_code == 400 and "现场核查只用于主动发现的工单" in r.json()["error"]["message"]
    assert stored(ticket) == before
    r = _visit(inspector, ticket, method=VisitMethod.PHONE, contacted=False)
    assert r.status_code == 200 and r.json()["status"] == Status.AWAITING_VISIT  # 1 of 3 unanswered calls
