"""`POST requests` never stores a value longer than its column: PostgreSQL would refuse it (a 500 after
every check said yes). The service code stored is the category's own; an over-long e-mail or media_url
that the validators accept is a 400 that says which field and how long it may be."""

from __future__ import annotations

import json

import pytest

from hotline.open311.models import SubmittedRequest
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.json"


def _data(app_key: str, catalogue, **change: str) -> dict[str, str]:  # noqa: ANN001
    return {"api_key": app_key, "service_code": str(catalogue.lamp.pk), "lat": "39.9", "long": "116.4",
            "description": "路灯不亮"} | change


def test_a_service_code_with_leading_zeros_is_stored_as_the_categorys_code(client, catalogue, app_key,  # noqa: ANN001
                                                                          frozen_now) -> None:
    padded = str(catalogue.lamp.pk).zfill(25)
    response = client.post(URL, _data(app_key, catalogue, service_code=padded))
    assert response.status_code == 201, response.content
    submitted = SubmittedRequest.objects.get()
    assert submitted.service_code == str(catalogue.lamp.pk)
    assert submitted.ticket.category == catalogue.lamp


def test_a_service_code_of_thousands_of_digits_is_unknown_not_a_crash(client, catalogue, app_key,  # noqa: ANN001
                                                                      frozen_now) -> None:
    response = client.post(URL, _data(app_key, catalogue, service_code="1" * 5000))
    assert response.status_code == 400, response.content
    assert "不存在" in json.loads(response.content)[0]["description"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(("field", "value", "limit"), [
    ("email", ("a" * 60 + ".") * 3 + "b" * 20 + "@" + "c" * 60 + ".example.com", 254),  # valid, 276 chars
    ("media_url", "https://img.example.com/" + "p" * 900 + ".jpg", 500),  # valid, 928 chars
])
def test_an_over_long_but_valid_email_or_media_url_is_400_and_creates_nothing(
        client, catalogue, app_key, frozen_now, field: str, value: str, limit: int) -> None:  # noqa: ANN001
    response = client.post(URL, _data(app_key, catalogue, **{field: value}))
    assert response.status_code == 400, response.content
    assert json.loads(response.content) == [{"code": 400, "description":
                                             f"{field} 过长：最多 {limit} 个字符（现有 {len(value)} 个）"}]
    assert not Ticket.objects.exists() and not SubmittedRequest.objects.exists()


def test_the_message_is_english_for_an_english_client(client, catalogue, app_key, frozen_now) -> None:  # noqa: ANN001
    url = "https://img.example.com/" + "p" * 500
    response = client.post(URL, _data(app_key, catalogue, media_url=url), headers={"accept-language": "en"})
    assert response.status_code == 400
    assert json.loads(response.content)[0]["description"] == (
        f"media_url is too long: at most 500 characters ({len(url)} given)")


@pytest.mark.parametrize("field", ["email", "media_url"])
def test_values_that_fit_their_column_are_kept(client, catalogue, app_key, frozen_now, field: str) -> None:  # noqa: ANN001
    value = {"email": "x" * 64 + "@" + "d" * 60 + ".example.com",
             "media_url": "https://img.example.com/" + "p" * 472}[field]
    assert len(value) <= SubmittedRequest._meta.get_field(field).max_length
    response = client.post(URL, _data(app_key, catalogue, **{field: value}))
    assert response.status_code == 201, response.content
    assert getattr(SubmittedRequest.objects.get(), field) == value


def test_a_service_definition_with_a_huge_code_is_not_found(client) -> None:  # noqa: ANN001
    response = client.get(f"/open311/v2/services/{'7' * 5000}.json")
    assert response.status_code == 404
