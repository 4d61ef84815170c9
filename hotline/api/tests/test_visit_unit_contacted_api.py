"""The API's `return_visit` action takes the citizen's answer to 「承办单位是否联系过您？」 (`unit_contacted`),
and the return visits read back show it with `contact_disputed`."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.tickets.choices import Satisfaction, Status, VisitMethod
from hotline.tickets.models import ReturnVisit, Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

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
    body = {"version": ticket.version, "method": VisitMethod.PHONE, "contacted": True, "resolved": True,
            "satisfaction": Satisfaction.SATISFIED, **body}
    return inspector.post(f"/orders/{ticket.number}/actions/return_visit", body)


@pytest.mark.parametrize(("answer", "disputed"), [(True, False), (False, True), (None, False)])
def test_the_citizens_answer_is_recorded_and_read_back(cast: Cast, inspector: Any, answer: bool | None,
                                                       disputed: bool) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast)  # the lead's reply says 已联系群众
    r = _visit(inspector, ticket, unit_contacted=answer)
    assert r.status_code == 200, r.content
    assert ReturnVisit.objects.get(ticket=ticket).unit_contacted is answer
    [visit] = inspector.get(f"/orders/{ticket.number}/return-visits").json()
    assert (visit["unit_contacted"], visit["contact_disputed"]) == (answer, disputed)


def test_the_answer_may_be_left_out(cast: Cast, inspector: Any) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast)
    body = {"version": ticket.version, "method": VisitMethod.PHONE, "contacted": True, "resolved": True,
            "satisfaction": Satisfaction.SATISFIED}
    r = inspector.post(f"/orders/{ticket.number}/actions/return_visit", body)
    assert r.status_code == 200, r.content
    assert ReturnVisit.objects.get(ticket=ticket).unit_contacted is None


def test_the_answer_is_a_boolean_in_the_schema(cast: Cast, inspector: Any) -> None:
    schema = inspector.get("/openapi.json").json()["components"]["schemas"]
    prop = schema["ReturnVisitStep"]["properties"]["unit_contacted"]
    assert {t.get("type") for t in prop["anyOf"]} == {"boolean", "null"}
    assert "unit_contacted" not in schema["ReturnVisitStep"].get("required", [])
    assert {"unit_contacted", "contact_disputed"} <= set(schema["ReturnVisitOut"]["properties"])


def test_a_string_is_refused(cast: Cast, inspector: Any) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast)
    r = _visit(inspector, ticket, unit_contacted="maybe")
    assert r.status_code in (400, 422), r.content
    assert not ReturnVisit.objects.filter(ticket=ticket).exists()
