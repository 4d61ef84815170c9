"""A 举报's reporter over the API (`Ticket.identity_withheld`): a unit's key reads the order with no name, company or
number and the texts scrubbed as an anonymous order's, and `POST /orders/{number}/reveal-caller` is refused with the
page's reason, recording nothing; a centre key reads everything; a 投诉 is unchanged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hotline.api.keys import create_key
from hotline.ops.models import AccessRecord
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Sex, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.tickets.tests.test_report_identity_withheld import (  # the page's words: the API answers the same
    COMPANY,
    DESCRIPTION,
    MASKED,
    NAME,
    PHONE,
    REFUSAL,
    SCRUBBED,
    WITHHELD,
)

pytestmark = pytest.mark.django_db

UNIT_SCOPES = ["read", "act", "phone"]


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _order_in_hand(cast: Cast, **draft: Any) -> Ticket:
    draft = {"request_type": RequestType.REPORT, "caller_name": NAME, "caller_sex": Sex.MALE,
             "caller_company": COMPANY, "caller_phone": PHONE, "description": DESCRIPTION} | draft
    return make_ticket(Status.IN_PROGRESS, cast=cast, **draft)


def test_a_units_key_reads_a_report_without_the_reporter(cast: Cast, api_client: Any) -> None:
    ticket = _order_in_hand(cast)
    client = api_client(create_key("街道办件系统", UNIT_SCOPES, unit=cast.lead)[1])
    detail = client.get(f"/orders/{ticket.number}").json()
    assert (detail["caller_name"], detail["caller_phone"], detail["caller_company"]) == (WITHHELD, "", "")
    assert detail["description"] == SCRUBBED
    assert detail["is_anonymous"] is False  # what the agent ticked; the reporter is withheld all the same
    for body in (str(detail), client.get("/orders").content.decode(),
                 client.get(f"/orders/{ticket.number}/timeline").content.decode()):
        assert NAME not in body and PHONE not in body and COMPANY not in body
    assert not AccessRecord.objects.exists()


def test_a_units_key_may_not_reveal_the_reporter(cast: Cast, api_client: Any) -> None:
    ticket = _order_in_hand(cast)
    client = api_client(create_key("街道办件系统", UNIT_SCOPES, unit=cast.lead)[1])
    response = client.post(f"/orders/{ticket.number}/reveal-caller")
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "not_permitted" and error["message"] == REFUSAL
    assert PHONE not in response.content.decode() and NAME not in response.content.decode()
    assert not AccessRecord.objects.exists()


def test_a_centre_key_reads_the_reporter(cast: Cast, api_client: Any) -> None:
    ticket = _order_in_hand(cast)
    detail = api_client(create_key("坐席系统", ["read", "phone"])[1]).get(f"/orders/{ticket.number}").json()
    assert (detail["caller_name"], detail["caller_phone"], detail["caller_company"]) == (NAME, PHONE, COMPANY)
    assert detail["description"] == DESCRIPTION
    assert AccessRecord.objects.filter(subject=ticket.number).exists()  # a full number shown: recorded as before


def test_a_complaint_is_unchanged(cast: Cast, api_client: Any) -> None:
    ticket = _order_in_hand(cast, request_type=RequestType.COMPLAINT)
    client = api_client(create_key("街道办件系统", UNIT_SCOPES, unit=cast.lead)[1])
    detail = client.get(f"/orders/{ticket.number}").json()
    assert (detail["caller_name"], detail["caller_phone"], detail["caller_company"]) == (NAME, MASKED, COMPANY)
    revealed = client.post(f"/orders/{ticket.number}/reveal-caller")
    assert revealed.status_code == 200 and revealed.json()["caller_phone"] == PHONE
