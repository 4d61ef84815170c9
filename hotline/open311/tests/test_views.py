"""Open311 GeoReport v2 over the Django test client: field names, filters, privacy, errors."""

# ruff: noqa: S314 - parsing our own server's answers

from __future__ import annotations

import json
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest

from hotline.open311.models import SubmittedRequest
from hotline.tickets.choices import Channel, Status
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


def get_json(client, url: str, expect: int = 200, **params):  # noqa: ANN001, ANN201
    response = client.get(url, params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def test_services_are_the_leaf_categories_grouped_by_first_level(client, catalogue) -> None:
    services = get_json(client, "/open311/v2/services.json")
    assert [s["service_name"] for s in services] == ["路灯", "噪音"] or {s["service_name"] for s in services} == {
        "路灯", "噪音"}
    lamp = next(s for s in services if s["service_name"] == "路灯")
    assert lamp == {"service_code": str(catalogue.lamp.pk), "service_name": "路灯",
                    "description": "城乡建设/市政设施/路灯", "metadata": True, "type": "realtime",
                    "keywords": "城乡建设,市政设施,路灯", "group": "城乡建设"}


def test_inactive_categories_and_inner_nodes_are_not_services(client, catalogue) -> None:
    catalogue.noise.is_active = False
    catalogue.noise.save()
    codes = {s["service_code"] for s in get_json(client, "/open311/v2/services.json")}
    assert codes == {str(catalogue.lamp.pk), str(catalogue.noise.parent_id)}  # 环境保护 is a leaf now


def test_service_definition_lists_attributes_with_values(client, catalogue) -> None:
    doc = get_json(client, f"/open311/v2/services/{catalogue.lamp.pk}.json")
    assert doc["service_code"] == str(catalogue.lamp.pk)
    codes = [a["code"] for a in doc["attributes"]]
    assert codes == ["request_type", "urgency", "title"]
    request_type = doc["attributes"][0]
    assert {"variable", "datatype", "required", "datatype_description", "order", "description"} <= set(request_type)
    assert {"key": "complaint", "name": "投诉"} in request_type["values"]


def test_service_definition_of_unknown_service_is_404_in_the_spec_form(client, catalogue) -> None:
    assert get_json(client, "/open311/v2/services/999999.json", 404) == [
        {"code": 404, "description": "service_code「999999」不存在"}]
    response = client.get(f"/open311/v2/services/{catalogue.middle.pk}.xml")
    assert response.status_code == 404
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_get_requests_shows_public_orders_without_names_or_phones(client, orders) -> None:
    rows = get_json(client, "/open311/v2/requests.json")
    numbers = [r["service_request_id"] for r in rows]
    assert orders["secret"].number not in numbers
    assert set(numbers) == {orders["open"].number, orders["closed"].number}
    row = next(r for r in rows if r["service_request_id"] == orders["open"].number)
    assert set(row) == REQUEST_FIELDS
    text = json.dumps(rows, ensure_ascii=False)
    assert "王小明" not in text and "李四" not in text
    assert "13812345678" not in text and "13900001111" not in text
    assert "138****5678" in row["description"]
    lead = orders["open"].lead_assignment
    assert row["status"] == "open"
    assert row["agency_responsible"] == lead.unit.name
    assert row["requested_datetime"] == "2025-03-04T10:00:00+08:00"
    assert row["expected_datetime"].endswith("+08:00")
    assert row["status_notes"] == ""  # signing carries no words for the citizen (tickets.public_text)
    closed = next(r for r in rows if r["service_request_id"] == orders["closed"].number)
    assert closed["status"] == "closed"


def test_get_requests_filters(client, orders, catalogue) -> None:
    def numbers(**params: str) -> set[str]:
        return {r["service_request_id"] for r in get_json(client, "/open311/v2/requests.json", **params)}

    assert numbers(status="closed") == {orders["closed"].number}
    assert numbers(status="open") == {orders["open"].number}
    assert numbers(status="open,closed") == {orders["open"].number, orders["closed"].number}
    assert numbers(service_code=str(catalogue.noise.pk)) == {orders["closed"].number}
    assert numbers(service_request_id=f"{orders['closed'].number},{orders['secret'].number}") == {
        orders["closed"].number}
    assert numbers(start_date="2025-03-05T00:00:00+08:00", end_date="2025-03-06T00:00:00+08:00") == set()
    assert numbers(start_date="2025-03-04", end_date="2025-03-04") == {orders["open"].number, orders["closed"].number}
    assert numbers(start_date="2025-03-04T01:00:00Z") == {orders["open"].number, orders["closed"].number}


def test_default_window_is_the_last_90_days(client, orders, traveller) -> None:
    traveller.shift(timedelta(days=91))
    assert get_json(client, "/open311/v2/requests.json") == []
    assert len(get_json(client, "/open311/v2/requests.json", start_date="2025-03-01")) == 2


@pytest.mark.parametrize("params, message", [
    ({"start_date": "2025-01-01", "end_date": "2025-06-01"}, "时间范围不能超过 90 天"),
    ({"start_date": "yesterday"}, "start_date 不是 ISO 8601 时间"),
    ({"end_date": "2025-01-01", "start_date": "2025-02-01"}, "end_date 早于 start_date"),
    ({"status": "pending"}, "status 只能为 open 或 closed"),
    ({"service_code": "abc"}, "service_code 须为服务代码，多个以逗号分隔"),
    ({"page_size": "0"}, "page 须不小于 1，page_size 须在 1 到 500 之间"),
    ({"page": "x"}, "page 和 page_size 须为正整数"),
    ({"service_code": "²"}, "service_code 须为服务代码，多个以逗号分隔"),  # a digit int() cannot read
    ({"start_date": "9999-12-31"}, "start_date 须在 2000 年至 2100 年之间"),
    ({"end_date": "0001-01-01"}, "end_date 须在 2000 年至 2100 年之间"),
    ({"start_date": "0001-01-01"}, "start_date 须在 2000 年至 2100 年之间"),
])
def test_bad_filters_are_400(client, orders, params, message) -> None:
    assert get_json(client, "/open311/v2/requests.json", 400, **params) == [{"code": 400, "description": message}]


def test_odd_codes_and_dates_elsewhere_are_400_or_404_not_500(client, orders) -> None:
    assert get_json(client, "/open311/v2/services/².json", 404)[0]["code"] == 404
    assert get_json(client, "/open311/v2/servicerequestupdates.json", 400, end_date="0001-01-02") == [
        {"code": 400, "description": "end_date 须在 2000 年至 2100 年之间"}]


def test_paging(client, orders) -> None:
    first = get_json(client, "/open311/v2/requests.json", page_size="1")
    second = get_json(client, "/open311/v2/requests.json", page_size="1", page="2")
    assert len(first) == len(second) == 1 and first != second
    assert get_json(client, "/open311/v2/requests.json", page_size="1", page="3") == []


def test_request_detail_and_confidential_is_404(client, orders) -> None:
    rows = get_json(client, f"/open311/v2/requests/{orders['closed'].number}.json")
    assert len(rows) == 1 and rows[0]["status"] == "closed"
    get_json(client, f"/open311/v2/requests/{orders['secret'].number}.json", 404)
    get_json(client, "/open311/v2/requests/nope.json", 404)


def test_xml_uses_the_spec_element_names(client, orders) -> None:
    response = client.get("/open311/v2/requests.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert len(requests) == 2
    assert {child.tag for child in requests[0]} == REQUEST_FIELDS
    services = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert services.tag == "services" and services.find("service/service_code") is not None
    definition = ET.fromstring(client.get(
        f"/open311/v2/services/{services.find('service/service_code').text}.xml").content)
    assert definition.find("attributes/attribute/values/value/key") is not None


def test_discovery(client) -> None:
    doc = get_json(client, "/open311/v2/discovery.json")
    assert doc["endpoints"][0]["url"] == "http://testserver/open311/v2"
    assert doc["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert ET.fromstring(client.get("/open311/v2/discovery.xml").content).find("endpoints/endpoint/url") is not None


# --- POST requests ------------------------------------------------------------------------------------


def post(client, data: dict, fmt: str = "json"):  # noqa: ANN001, ANN201
    return client.post(f"/open311/v2/requests.{fmt}", data)


def test_post_creates_an_order_through_intake(client, catalogue, app_key, frozen_now) -> None:
    response = post(client, {
        "api_key": app_key, "service_code": str(catalogue.lamp.pk), "lat": "39.915", "long": "116.404",
        "address_string": "东华门大街 1 号", "description": "路灯不亮", "first_name": "小明", "last_name": "王",
        "phone": "13812345678", "email": "wang@example.com", "attribute[request_type]": "help",
        "attribute[urgency]": "pressing", "attribute[title]": "路灯坏了", "media_url": "https://example.com/a.jpg",
    })
    assert response.status_code == 201, response.content
    [created] = json.loads(response.content)
    ticket = Ticket.objects.get(number=created["service_request_id"])
    assert ticket.channel == Channel.APP and ticket.status == Status.REGISTERED
    assert (ticket.caller_name, ticket.caller_phone, ticket.request_type, ticket.urgency, ticket.title) == (
        "王小明", "13812345678", "help", "pressing", "路灯坏了")
    assert str(ticket.latitude) == "39.915000" and ticket.category == catalogue.lamp
    assert ticket.registered_by.api_key.name == "市民App"
    record = SubmittedRequest.objects.get(ticket=ticket)
    assert record.token == created["token"] and record.email == "wang@example.com"
    assert ticket.timeline.get().action == "register"
    assert get_json(client, f"/open311/v2/tokens/{created['token']}.json") == [
        {"service_request_id": ticket.number, "token": created["token"]}]
    [row] = get_json(client, f"/open311/v2/requests/{ticket.number}.json")  # not accepted yet: status only
    assert row["status"] == "open" and row["status_notes"] == "已提交，待受理"
    assert (row["description"], row["address"], row["lat"], row["media_url"]) == ("", "", None, "")
    assert created["service_notice"] == f"已提交，工单编号 {ticket.number}，待热线中心受理"


def test_post_with_address_id_sets_the_area(client, catalogue, app_key, org) -> None:
    response = post(client, {"api_key": app_key, "service_code": str(catalogue.lamp.pk),
                             "address_id": org.community_a.code, "description": "路灯不亮"}, "xml")
    assert response.status_code == 201
    number = ET.fromstring(response.content).find("request/service_request_id").text
    ticket = Ticket.objects.get(number=number)
    assert (ticket.district, ticket.street, ticket.community) == (org.district, org.street_a, org.community_a)


@pytest.mark.parametrize("change, status, message", [
    ({"api_key": None}, 403, "api_key 缺失或无效"),
    ({"api_key": "hk_wrongkey_secret"}, 403, "api_key 缺失或无效"),
    ({"service_code": None}, 400, "缺少 service_code"),
    ({"service_code": "424242"}, 400, "service_code「424242」不存在"),
    ({"lat": None, "long": None}, 400, "须提供位置：lat/long、address_string 或 address_id 之一"),
    ({"long": None}, 400, "lat 和 long 须同时提供"),
    ({"lat": "95"}, 400, "lat 超出范围"),
    ({"lat": "north"}, 400, "lat 不是数字"),
    ({"description": "  "}, 400, "缺少 description（诉求内容）"),
    ({"attribute[urgency]": "now"}, 400, "attribute[urgency] 的值「now」无效"),
    ({"address_id": "NOPE"}, 400, "address_id「NOPE」不存在"),
    ({"email": "not-an-email"}, 400, "输入一个有效的 Email 地址。"),
    ({"phone": "not a phone"}, 400, "请输入正确的手机号码或固定电话（如 13812345678 或 010-12345678）"),
])
def test_post_errors_create_nothing(client, catalogue, app_key, change, status, message) -> None:
    data = {"api_key": app_key, "service_code": str(catalogue.lamp.pk), "lat": "39.9", "long": "116.4",
            "description": "路灯不亮"} | change
    response = post(client, {k: v for k, v in data.items() if v is not None})
    assert response.status_code == status
    assert json.loads(response.content) == [{"code": status, "description": message}]
    assert not Ticket.objects.exists()


def test_a_key_without_create_scope_is_403(client, catalogue) -> None:
    from hotline.api.keys import create_key

    raw = create_key("只读", ["read"])[1]
    response = post(client, {"api_key": raw, "service_code": str(catalogue.lamp.pk), "lat": "39.9",
                             "long": "116.4", "description": "路灯不亮"})
    assert response.status_code == 403 and not Ticket.objects.exists()


def test_updates_are_the_public_steps(client, orders) -> None:
    updates = get_json(client, "/open311/v2/servicerequestupdates.json")
    assert {u["service_request_id"] for u in updates} == {orders["open"].number, orders["closed"].number}
    assert set(updates[0]) == {"update_id", "service_request_id", "status", "updated_datetime", "description",
                               "media_url", "external_status_code"}
    closing = [u for u in updates if u["external_status_code"] == "closed"]
    assert len(closing) == 1 and closing[0]["status"] == "closed"
    root = ET.fromstring(client.get("/open311/v2/servicerequestupdates.xml").content)
    assert root.tag == "service_request_updates" and len(root.findall("request_update")) == len(updates)


def test_unknown_format_is_404(client, catalogue) -> None:
    assert client.get("/open311/v2/services.csv").status_code == 404


def test_list_query_count_does_not_grow_with_orders(client, orders, catalogue) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hotline.tickets.tests.factories import make_ticket

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/open311/v2/requests.json").status_code == 200
            assert client.get("/open311/v2/servicerequestupdates.json").status_code == 200
        return len(queries)

    before = count()
    for _ in range(4):
        make_ticket(Status.CLOSED, category=catalogue.lamp)
    assert len(get_json(client, "/open311/v2/requests.json")) == 6
    assert count() == before


def test_xml_drops_control_characters(client, catalogue, frozen_now) -> None:
    from hotline.tickets.tests.factories import make_ticket

    ticket = make_ticket(Status.REGISTERED, category=catalogue.lamp, description="路灯\x07不亮\x00")
    root = ET.fromstring(client.get(f"/open311/v2/requests/{ticket.number}.xml").content)
    assert root.find("request/description").text == "路灯不亮"
