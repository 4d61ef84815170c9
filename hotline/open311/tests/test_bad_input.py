"""Out-of-range service codes are bad requests in Open311's `errors` form, never a 500 (SQLite cannot even take
an integer past 64 bits as a parameter)."""

# ruff: noqa: S314 - parsing our own server's answers

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

BAD_CODE = [{"code": 400, "description": "service_code 须为服务代码，多个以逗号分隔"}]


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("code", [
    "9" * 30,
    str(2**63),  # one past the largest id
    "9" * 5000,  # more digits than int() reads
    "1,99999999999999999999",  # one bad code in a list
])
def test_a_service_code_past_any_id_is_a_400(client: Client, orders, code: str) -> None:  # noqa: ANN001
    response = client.get("/open311/v2/requests.json", {"service_code": code})
    assert response.status_code == 400
    assert json.loads(response.content) == BAD_CODE


def test_the_xml_answer_is_the_errors_document(client: Client, orders) -> None:  # noqa: ANN001
    response = client.get("/open311/v2/requests.xml", {"service_code": "9" * 30})
    assert response.status_code == 400
    error = ET.fromstring(response.content).find("error")
    assert error is not None and error.findtext("code") == "400"


def test_the_largest_id_is_still_a_code(client: Client, orders, catalogue) -> None:  # noqa: ANN001
    rows = json.loads(client.get("/open311/v2/requests.json", {"service_code": str(2**63 - 1)}).content)
    assert rows == []
    rows = json.loads(client.get("/open311/v2/requests.json", {"service_code": str(catalogue.lamp.pk)}).content)
    assert {row["service_request_id"] for row in rows} == {orders["open"].number}


def test_a_huge_code_elsewhere_is_no_500(client: Client, catalogue, app_key) -> None:  # noqa: ANN001
    assert client.get(f"/open311/v2/services/{'9' * 30}.json").status_code == 404
    response = client.post("/open311/v2/requests.json", {"api_key": app_key, "service_code": "9" * 30,
                                                          "lat": "39.9", "long": "116.4", "description": "路灯不亮"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", [
    "/open311/v2/requests/2025%000001.json",
    "/open311/v2/requests.json?service_request_id=2025%0001",
    "/open311/v2/requests.json?status=open%00",
    "/open311/v2/tokens/abc%00.json",
    "/open311/v2/services/1%00.xml",
    "/open311/v2/servicerequestupdates.json?start_date%00=2025-03-01",
])
def test_a_nul_in_the_path_or_query_is_a_400_not_a_500(client, path: str) -> None:
    """PostgreSQL cannot take a NUL in a lookup: refused before any query, in the spec's error form."""
    answer = client.get(path)
    assert answer.status_code == 400
    assert "NUL" in answer.content.decode()
