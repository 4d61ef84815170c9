"""`POST requests`: extra `attribute[…]` values are limited in number and length, and an overlong title is
refused, never cut (400, nothing created)."""

from __future__ import annotations

import pytest

from hotline.api.keys import create_key
from hotline.open311.models import SubmittedRequest
from hotline.open311.services import MAX_ATTRIBUTE_LENGTH, MAX_ATTRIBUTES, MAX_TITLE
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lamp(db: None):  # noqa: ANN201
    return CategoryFactory(name="路灯", parent=CategoryFactory(name="市政设施", parent=CategoryFactory(name="城乡建设")))


@pytest.fixture
def app_key(db: None) -> str:
    return create_key("市民App", ["create", "read"])[1]


def _data(key: str, lamp, **change: str) -> dict[str, str]:  # noqa: ANN001
    return {"api_key": key, "service_code": str(lamp.pk), "address_string": "幸福路 1 号", "description": "路灯不亮"} | change


def _refused(client, data: dict[str, str]) -> str:  # noqa: ANN001
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 400, response.content.decode()[:300]
    assert not Ticket.objects.exists() and not SubmittedRequest.objects.exists()
    return response.json()[0]["description"]


def test_an_overlong_attribute_is_refused(client, lamp, app_key, frozen_now) -> None:
    message = _refused(client, _data(app_key, lamp, **{"attribute[note]": "x" * (MAX_ATTRIBUTE_LENGTH + 1)}))
    assert "attribute[note]" in message and str(MAX_ATTRIBUTE_LENGTH) in message


def test_too_many_attributes_are_refused(client, lamp, app_key, frozen_now) -> None:
    many = {f"attribute[a{i}]": "x" for i in range(MAX_ATTRIBUTES + 1)}
    assert str(MAX_ATTRIBUTES) in _refused(client, _data(app_key, lamp, **many))


def test_an_overlong_title_is_refused_not_cut(client, lamp, app_key, frozen_now) -> None:
    message = _refused(client, _data(app_key, lamp, **{"attribute[title]": "路" * (MAX_TITLE + 1)}))
    assert "attribute[title]" in message and str(MAX_TITLE) in message


def test_attributes_within_the_limits_are_kept(client, lamp, app_key, frozen_now) -> None:
    data = _data(app_key, lamp, **{"attribute[title]": "路" * MAX_TITLE, "attribute[note]": "x" * MAX_ATTRIBUTE_LENGTH})
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 201, response.content.decode()[:300]
    assert Ticket.objects.get().title == "路" * MAX_TITLE
    assert SubmittedRequest.objects.get().attributes["note"] == "x" * MAX_ATTRIBUTE_LENGTH
