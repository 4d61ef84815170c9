"""Bad input to the API and to `hotline apikey`: a clear message in the caller's language, nothing stored."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from hotline.api.keys import NAME_MAX_LENGTH, InvalidKeyRequest, create_key
from hotline.api.models import ApiKey
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db


def test_a_key_name_longer_than_the_column_is_refused() -> None:
    with pytest.raises(InvalidKeyRequest, match=f"不能超过 {NAME_MAX_LENGTH} 个字符"):
        create_key("接" * (NAME_MAX_LENGTH + 1), ["read"])
    with pytest.raises(CommandError, match=f"密钥名称不能超过 {NAME_MAX_LENGTH} 个字符（现有 5000 个）"):
        call_command("apikey", "create", "x" * 5000, "--scope", "read")
    assert not ApiKey.objects.exists()
    key, _ = create_key("接" * NAME_MAX_LENGTH, ["read"])  # the longest name still fits
    assert len(key.name) == NAME_MAX_LENGTH


@pytest.fixture
def post(frozen_now):  # noqa: ANN001, ANN201
    """POST a raw body to a step of an order with a unit key, in a language."""
    ensure_default_policies()
    cast = Cast.build()
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    _, raw = create_key("街道", ["read", "act"], unit=cast.lead)

    def send(body: str, language: str = "zh-hans") -> dict:
        response = Client().post(f"/api/v1/orders/{ticket.number}/actions/sign", data=body,
                                 content_type="application/json",
                                 headers={"Authorization": f"Bearer {raw}", "Accept-Language": language})
        assert response.status_code == 400
        return response.json()["error"]

    return send


def test_a_body_that_is_not_json_is_refused_in_the_callers_language(post) -> None:  # noqa: ANN001
    chinese = post("{not json")
    assert chinese["code"] == "bad_request" and chinese["message"] == "请求体无法解析：须为有效的 JSON（UTF-8 编码）"
    assert post("{not json", "en")["message"] == "The request body cannot be parsed: it must be valid JSON (UTF-8)"


@pytest.mark.parametrize(("body", "chinese", "kind"), [
    ('{"version": 1e30}', "须为整数，且数值不能过大", "int_parsing_size"),
    ('{"version": "\\ud800"}', "须为有效的字符串（含无法识别的字符，如单独的代理字符）", "string_unicode"),
])
def test_field_errors_pydantic_words_in_english_are_chinese_too(post, body: str, chinese: str,  # noqa: ANN001
                                                                kind: str) -> None:
    details = post(body)["details"]
    assert [(d["msg"], d["type"]) for d in details] == [(chinese, kind)]
    assert not any("\u4e00" <= ch <= "\u9fff" for d in post(body, "en")["details"] for ch in d["msg"])
