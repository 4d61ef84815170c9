"""The order detail's first and final valid return visit (`first_visit`, `final_visit`) over the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.tickets.choices import Channel, Satisfaction, Status, VisitMethod
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_rehandled, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: Any) -> Cast:
    return Cast.build()


@pytest.fixture
def inspector(cast: Cast, api_client: Any) -> Any:
    client = Client()
    client.force_login(cast.inspector)
    return api_client(client=client)


def _rehandled(cast: Cast) -> Ticket:
    """Unreached, then 未解决/不满意 (重办), replied again, then resolved and satisfied."""
    return make_rehandled(cast, unreached_first=True, caller_phone="13900000001")


def test_detail_has_the_first_and_final_valid_visit(cast: Cast, inspector: Any) -> None:
    ticket = _rehandled(cast)
    body = inspector.get(f"/orders/{ticket.number}").json()
    first, final = body["first_visit"], body["final_visit"]
    assert (first["resolved"], first["satisfaction"]) == (False, Satisfaction.UNSATISFIED)
    assert (final["resolved"], final["satisfaction"]) == (True, Satisfaction.SATISFIED)
    assert first["at"] < final["at"]


def test_one_valid_visit_is_both_and_none_is_null(cast: Cast, inspector: Any) -> None:
    once = make_ticket(Status.CLOSED, cast=cast)
    body = inspector.get(f"/orders/{once.number}").json()
    assert body["first_visit"] == body["final_visit"] and body["final_visit"]["resolved"] is True
    waiting = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    r = inspector.post(f"/orders/{waiting.number}/actions/return_visit",
                       {"version": waiting.version, "method": VisitMethod.VERIFY, "resolved": True})
    assert r.status_code == 200, r.content
    assert r.json()["first_visit"] is None and r.json()["final_visit"] is None  # 现场核查 is no valid visit
