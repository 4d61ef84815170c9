"""`POST requests` refuses a NUL in any parameter with a 400 in Open311's error format: PostgreSQL can
neither store nor look up text holding one (it was a 500 there, after the key was accepted)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from hotline.open311.models import SubmittedRequest
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _data(app_key: str, catalogue, **change: str) -> dict[str, str]:  # noqa: ANN001
    return {"api_key": app_key, "service_code": str(catalogue.lamp.pk), "address_string": "幸福路 1 号",
            "description": "路灯不亮"} | change


@pytest.mark.parametrize("field, value", [
    ("description", "路灯不亮\x00"),
    ("address_string", "幸福路\x001 号"),
    ("first_name", "小\x00明"),
    ("service_code", "1\x00"),
    ("attribute[title]", "路灯\x00坏了"),
    ("attribute[楼栋]", "3\x00栋"),  # an extra attribute, kept in the request's JSON
    ("attribute[楼\x00栋]", "3 栋"),  # a NUL in the parameter's name
    ("device_id", "\x00"),
])
def test_a_nul_in_any_parameter_is_400_and_creates_nothing(client, catalogue, app_key, frozen_now,  # noqa: ANN001
                                                            field, value) -> None:
    response = client.post("/open311/v2/requests.json", _data(app_key, catalogue, **{field: value}))
    assert response.status_code == 400, response.content
    name = field.replace("\x00", "")
    assert json.loads(response.content) == [
        {"code": 400, "description": f"{name}含有无法保存的空字符（NUL），请删除后重新提交"}]
    assert not Ticket.objects.exists() and not SubmittedRequest.objects.exists()


def test_the_xml_answer_is_a_well_formed_error(client, catalogue, app_key, frozen_now) -> None:  # noqa: ANN001
    response = client.post("/open311/v2/requests.xml", _data(app_key, catalogue, description="路灯不亮\x00"))
    assert response.status_code == 400
    error = ET.fromstring(response.content).find("error")  # noqa: S314 - our own server's answer
    assert error.findtext("code") == "400" and "NUL" in error.findtext("description")
    assert not Ticket.objects.exists()


def test_a_nul_in_the_api_key_is_an_invalid_key(client, catalogue, app_key, frozen_now) -> None:  # noqa: ANN001
    """The key's prefix is looked up in the database: a NUL there reads as an unknown key (403), not a 500."""
    broken = app_key[:5] + "\x00" + app_key[6:]
    response = client.post("/open311/v2/requests.json", _data(broken, catalogue))
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_the_same_request_without_the_nul_is_created(client, catalogue, app_key, frozen_now) -> None:  # noqa: ANN001
    response = client.post("/open311/v2/requests.json", _data(app_key, catalogue, **{"attribute[楼栋]": "3 栋"}))
    assert response.status_code == 201, response.content
    assert SubmittedRequest.objects.get().attributes == {"楼栋": "3 栋"}
