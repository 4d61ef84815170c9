"""Reading orders over the API: the list with the order list's filters and pagination, details, reference data."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.api.keys import create_key
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(frozen_now):  # noqa: ANN001, ANN201
    ensure_default_policies()
    cast = Cast.build()
    made = {status: make_ticket(status, cast=cast, caller_phone="13812345678")
            for status in [Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS, Status.CLOSED]}
    return cast, made


def test_the_list_filters_like_the_order_page_and_paginates(orders, api_client) -> None:  # noqa: ANN001
    cast, made = orders
    _, raw = create_key("读取", ["read"])
    client = api_client(raw)
    everything = client.get("/orders").json()
    assert everything["count"] == 4 and len(everything["results"]) == 4
    assert client.get("/orders", {"state": "open"}).json()["count"] == 3
    by_status = client.get("/orders", {"status": ["dispatched", "closed"]}).json()
    assert sorted(o["status"] for o in by_status["results"]) == ["closed", "dispatched"]
    by_lead = client.get("/orders", {"lead_unit": cast.lead.code}).json()
    assert by_lead["count"] == 3  # the registered order has no lead unit yet
    assert client.get("/orders", {"q": made[Status.CLOSED].number}).json()["count"] == 1
    page = client.get("/orders", {"page_size": 3, "page": 2, "sort": "number"}).json()
    assert (page["count"], page["pages"], page["page"], len(page["results"])) == (4, 2, 2, 1)
    assert page["results"][0]["number"] == max(t.number for t in made.values())
    assert client.get("/orders", {"page": 9}).json()["results"] == []


def test_invalid_filters_are_400(orders, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("读取", ["read"])
    client = api_client(raw)
    for params in ({"status": "flying"}, {"page_size": 1000}, {"lead_unit": "NO-SUCH"},
                   {"registered_from": "yesterday"}, {"category": 999999}):
        response = client.get("/orders", params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "validation_error"


def test_a_unit_key_lists_only_its_orders_with_phones_masked(orders, api_client) -> None:  # noqa: ANN001
    cast, made = orders
    _, raw = create_key("街道", ["read"], unit=cast.lead)
    client = api_client(raw)
    listed = {o["number"] for o in client.get("/orders").json()["results"]}
    assert listed == {made[s].number for s in (Status.DISPATCHED, Status.IN_PROGRESS, Status.CLOSED)}
    detail = client.get(f"/orders/{made[Status.IN_PROGRESS].number}").json()
    assert detail["caller_phone"] == "138****5678"
    assert detail["lead_unit"]["code"] == cast.lead.code
    assert [a["unit"]["code"] for a in detail["assignments"]] == [cast.lead.code]


def test_anonymous_callers_are_hidden_from_units(frozen_now, api_client) -> None:  # noqa: ANN001
    ensure_default_policies()
    cast = Cast.build()
    ticket = make_ticket(Status.DISPATCHED, cast=cast, caller_name="张三", caller_phone="13812345678",
                         is_anonymous=True)
    _, raw = create_key("街道", ["read"], unit=cast.lead)
    detail = api_client(raw).get(f"/orders/{ticket.number}").json()
    assert detail["caller_name"] == "（匿名）" and detail["caller_phone"] == ""


def test_actions_offered_follow_the_callers_unit_and_scopes(orders, api_client) -> None:  # noqa: ANN001
    cast, made = orders
    _, raw = create_key("街道办理", ["read", "act"], unit=cast.lead)
    offered = api_client(raw).get(f"/orders/{made[Status.IN_PROGRESS].number}/actions").json()
    names = {a["action"] for a in offered}
    assert {"reply", "request_info", "request_extension"} <= names and "dispatch" not in names
    reply = next(a for a in offered if a["action"] == "reply")
    assert reply["path"] == f"/api/v1/orders/{made[Status.IN_PROGRESS].number}/actions/reply"


def test_reference_data(orders, api_client) -> None:  # noqa: ANN001
    cast, _ = orders
    _, raw = create_key("基础数据", ["read"])
    client = api_client(raw)
    units = {u["code"]: u for u in client.get("/units").json()}
    assert units[cast.lead.code]["parent"] == cast.lead.parent.code
    assert client.get("/sla-policies").json()
    assert client.get("/categories").status_code == 200


def test_creation_goes_through_the_intake_form(frozen_now, org, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("创建", ["read", "create"])
    client = api_client(raw)
    response = client.post("/orders", {"request_type": "complaint", "description": "噪音扰民",
                                       "street": org.street_a.code, "community": org.community_a.code})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "registered" and body["district"]["code"] == org.district.code  # filled in
    wrong = client.post("/orders", {"request_type": "complaint", "description": "噪音扰民",
                                    "district": org.other_district.code, "street": org.street_a.code})
    assert wrong.status_code == 400 and "street" in wrong.json()["error"]["details"]
    answered = client.post("/orders", {"request_type": "consult", "description": "社保卡在哪办",
                                       "decision": "answer"})
    assert answered.status_code == 400 and "answer" in answered.json()["error"]["details"]
    bad_phone = client.post("/orders", {"request_type": "complaint", "description": "噪音扰民", "caller_phone": "abc"})
    details = bad_phone.json()["error"]["details"]
    assert bad_phone.status_code == 400 and "caller_phone" in details and "phone" not in details  # the API's name
    refused = client.post("/orders", {"request_type": "consult", "description": "有人打架",
                                      "decision": "transfer", "transfer_to": "110"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"


def test_session_calls_need_csrf_for_changes(orders, api_client) -> None:  # noqa: ANN001
    cast, made = orders
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.intake)
    client = api_client(client=browser)
    assert client.get("/orders").status_code == 200
    response = client.post("/orders", {"request_type": "consult", "description": "咨询"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
    browser.get("/orders/")  # a page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = client.post("/orders", {"request_type": "consult", "description": "咨询"}, **{"X-CSRFToken": token})
    assert response.status_code == 201, response.content


def test_a_transfer_key_hands_its_orders_to_110(frozen_now, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("110联动", ["read", "create", "transfer"])
    client = api_client(raw)
    order = client.post("/orders", {"request_type": "help", "description": "有人在小区打架"}).json()
    assert "transfer" in {a["action"] for a in client.get(f"/orders/{order['number']}/actions").json()}
    done = client.post(f"/orders/{order['number']}/actions/transfer",
                       {"version": order["version"], "to": "110", "note": "已转公安"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == Status.TRANSFERRED and done.json()["transferred_to"] == "110"
    # Without the transfer scope the same step is refused.
    _, plain = create_key("只建", ["read", "create"])
    other = api_client(plain).post("/orders", {"request_type": "help", "description": "另一起"}).json()
    refused = api_client(plain).post(f"/orders/{other['number']}/actions/transfer",
                                     {"version": other["version"], "to": "110"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"


@pytest.mark.parametrize("decision, extra", [
    ("register", {}), ("dispatch", {}), ("answer", {"answer": "已告知办理地点"}),
    ("transfer", {"transfer_to": "110"}), ("not_accept", {"not_accept_reason": "outside_duty"}),
])
def test_the_creation_answer_is_the_order_as_read_back(frozen_now, org, api_client, decision, extra) -> None:  # noqa: ANN001
    """The 201 body is built from the order just registered; it equals what a read of the order returns."""
    _, raw = create_key("创建并读取", ["read", "create", "transfer"])
    client = api_client(raw)
    created = client.post("/orders", {"request_type": "complaint", "description": "小区门口路灯不亮",
                                      "caller_phone": "13812345678", "caller_name": "王先生",
                                      "community": org.community_a.code, "decision": decision, **extra})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body == client.get(f"/orders/{body['number']}").json()
    assert body["assignments"] == [] and body["replies"] == [] and body["lead_unit"] is None


def test_reading_one_order_looks_it_up_by_number_without_sorting(orders, api_client) -> None:  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, made = orders
    _, raw = create_key("按编号读取", ["read"])
    client = api_client(raw)
    wanted = made[Status.IN_PROGRESS]
    with CaptureQueriesContext(connection) as captured:
        detail = client.get(f"/orders/{wanted.number}").json()
    assert detail["number"] == wanted.number
    lookup = next(q["sql"] for q in captured.captured_queries if 'FROM "tickets_ticket"' in q["sql"])
    assert "ORDER BY" not in lookup and "LIMIT 1" in lookup  # the number is unique: nothing to sort
    assert client.get("/orders/209901010000000").status_code == 404
