"""The subscription API answers a method it does not take like the REST API: a JSON 405 with `Allow`."""

from __future__ import annotations

import pytest

from hotline.api.keys import create_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("patch", "/webhooks/v1/subscriptions", "GET, POST"),
    ("delete", "/webhooks/v1/subscriptions", "GET, POST"),
    ("put", "/webhooks/v1/subscriptions/1", "DELETE"),
    ("get", "/webhooks/v1/subscriptions/1", "DELETE"),
])
def test_another_method_gets_the_error_envelope(client, method: str, path: str, allow: str) -> None:  # noqa: ANN001
    raw = create_key("订阅方", ["webhooks"])[1]
    answer = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert answer.status_code == 405 and answer["Allow"] == allow
    assert answer["Content-Type"].startswith("application/json")
    error = answer.json()["error"]
    assert error["code"] == "method_not_allowed" and error["details"] == {"allowed": allow}
    assert method.upper() in error["message"]


def test_the_405_in_english(client) -> None:  # noqa: ANN001
    answer = client.patch("/webhooks/v1/subscriptions", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 405
    assert "PATCH" in answer.json()["error"]["message"] and "该接口" not in answer.json()["error"]["message"]
