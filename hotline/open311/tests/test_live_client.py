"""Open311 against a real server process: the third-party `georeport` client reads it, raw HTTP writes to it."""

# ruff: noqa: S314 - parsing our own server's answers

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from xml.etree import ElementTree as ET

import pytest
from georeport import GeoReport

from hotline.open311.tests.live import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("open311-live"), "hotline.open311.tests.live_seed") as live:
        yield live


def http(method: str, url: str, data: dict | None = None) -> tuple[int, bytes, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers["Content-Type"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_services_and_requests(server: LiveServer, fmt: str) -> None:
    client = GeoReport(f"{server.url}/open311/v2", output_format=fmt)
    services = client.get_service_list()
    assert {s["service_name"] for s in services} == {"路灯", "噪音"}
    assert {s["group"] for s in services} == {"城乡建设"}
    definition = client.get_service_definition(server.seed["lamp"])
    assert definition["service_code"] == server.seed["lamp"]
    requests = client.get_service_requests()
    orders = server.seed["orders"]
    assert {r["service_request_id"] for r in requests} == {orders["open"], orders["closed"]}
    closed = client.get_service_requests(status="closed")
    closed = closed if isinstance(closed, list) else [closed]  # xmltodict gives a dict for one element
    assert [r["service_request_id"] for r in closed] == [orders["closed"]]
    one = client.get_service_request(orders["open"])
    assert one["status"] == "open" and one["service_code"] == server.seed["lamp"]
    assert "王小明" not in json.dumps(requests, ensure_ascii=False)
    assert "13812345678" not in json.dumps(requests, ensure_ascii=False)
    assert one["requested_datetime"].endswith("+08:00")


def test_post_then_read_back_over_http(server: LiveServer) -> None:
    status, body, ctype = http("POST", f"{server.url}/open311/v2/requests.json", {
        "api_key": server.seed["key"], "service_code": server.seed["lamp"], "lat": "39.915", "long": "116.404",
        "description": "小区门口路灯不亮", "first_name": "小红", "last_name": "张", "phone": "13700000000"})
    assert status == 201 and ctype == "application/json; charset=utf-8"
    [created] = json.loads(body)
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    client = GeoReport(f"{server.url}/open311/v2")
    fetched = client.get_service_request(created["service_request_id"])
    # not accepted yet (网上受理): its number answers with its status only, no words and no place
    assert fetched["status"] == "open" and fetched["lat"] is None and not fetched["description"]
    assert "张小红" not in json.dumps(fetched, ensure_ascii=False)
    status, body, _ = http("GET", f"{server.url}/open311/v2/tokens/{created['token']}.xml")
    root = ET.fromstring(body)
    assert status == 200 and root.find("request/service_request_id").text == created["service_request_id"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("data, status", [
    ({"service_code": "LAMP", "lat": "1", "long": "1", "description": "x"}, 403),   # no api_key
    ({"api_key": "hk_nope1234_zzz", "service_code": "LAMP", "lat": "1", "long": "1", "description": "x"}, 403),
    ({"api_key": "KEY", "lat": "1", "long": "1", "description": "x"}, 400),       # no service_code
    ({"api_key": "KEY", "service_code": "LAMP", "description": "x"}, 400),         # no location
    ({"api_key": "KEY", "service_code": "999999", "lat": "1", "long": "1", "description": "x"}, 400),
])
def test_post_errors_over_http(server: LiveServer, fmt: str, data: dict, status: int) -> None:
    data = {k: {"KEY": server.seed["key"], "LAMP": server.seed["lamp"]}.get(v, v) for k, v in data.items()}
    got, body, ctype = http("POST", f"{server.url}/open311/v2/requests.{fmt}", data)
    assert got == status
    if fmt == "json":
        [error] = json.loads(body)
        assert set(error) == {"code", "description"} and error["code"] == status
    else:
        assert ctype == "text/xml; charset=utf-8"
        root = ET.fromstring(body)
        assert root.tag == "errors" and root.find("error/code").text == str(status)
        assert root.find("error/description").text


@pytest.mark.parametrize("path", ["services/999999", "requests/000", "tokens/unknown"])
def test_not_found_over_http(server: LiveServer, path: str) -> None:
    status, body, _ = http("GET", f"{server.url}/open311/v2/{path}.json")
    assert status == 404 and json.loads(body)[0]["code"] == 404


def test_confidential_order_is_not_served(server: LiveServer) -> None:
    status, _, _ = http("GET", f"{server.url}/open311/v2/requests/{server.seed['orders']['secret']}.json")
    assert status == 404
