"""Over the API, a key that reads callers' numbers masked cannot confirm a number typed among words, nor an
anonymous caller's name, by searching the order list (`q`); it is told why (docs/security.md)."""

from __future__ import annotations

import pytest

from hotline.api.keys import create_key
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
TEXT = f"楼下噪音扰民，联系电话{PHONE}。身份证号43010219900101123X，备用139.1234.5678"


@pytest.fixture
def cast(frozen_now) -> Cast:  # noqa: ANN001
    ensure_default_policies()
    return Cast.build()


@pytest.mark.parametrize("q", [f"电话{PHONE}", f"{PHONE}。", "139.1234.5678", "43010219900101123X"])
def test_a_unit_key_is_refused_a_search_holding_a_number(cast, api_client, q) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.DISPATCHED, cast=cast, description=TEXT)
    _, raw = create_key("街道对接", ["read"], unit=cast.lead)
    response = api_client(raw).get("/orders", {"q": q})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert "只查找工单编号" in response.json()["error"]["details"]["q"][0]
    assert ticket.number not in response.content.decode()
    assert api_client(raw).get("/orders", {"q": "噪音"}).json()["count"] == 1  # words are searched


@pytest.mark.parametrize("q", [f"电话{PHONE}", "139.1234.5678", "43010219900101123X"])
def test_a_centre_key_without_phone_needs_it_for_a_number_among_words(cast, api_client, q) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.DISPATCHED, cast=cast, description=TEXT)
    _, raw = create_key("统计报表", ["read"])
    refused = api_client(raw).get("/orders", {"q": q})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"
    assert refused.json()["error"]["details"] == {"required_scope": "phone"}
    _, full_raw = create_key("坐席系统", ["read", "phone"])
    found = api_client(full_raw).get("/orders", {"q": q}).json()
    assert [o["number"] for o in found["results"]] == [ticket.number]


def test_an_anonymous_callers_name_finds_nothing_for_a_masked_key(cast, api_client) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.DISPATCHED, cast=cast, is_anonymous=True, caller_name="王建华",
                         description="我叫王建华，举报楼下餐馆油烟扰民")
    _, unit_raw = create_key("街道对接", ["read"], unit=cast.lead)
    _, centre_raw = create_key("统计报表", ["read"])
    for raw in (unit_raw, centre_raw):
        assert api_client(raw).get("/orders", {"q": "王建华"}).json()["count"] == 0
        assert api_client(raw).get("/orders", {"q": ticket.number}).json()["count"] == 1
    _, full_raw = create_key("坐席系统", ["read", "phone"])
    assert api_client(full_raw).get("/orders", {"q": "王建华"}).json()["count"] == 1
