"""docs/api.md says what the API answers: every error code it sends is in the «Errors» table, a body over the upload
limit is a 413 (not a 500), and the number of step operations in the endpoint table is the registry's."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings

from hotline.api.api import _STATUS_CODES
from hotline.api.keys import create_key
from hotline.api.scopes import Scope
from hotline.tickets.models import Ticket
from hotline.workbench.actions import STEPS

API_MD = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def _documented_errors() -> dict[str, int]:
    """The «Errors» table of docs/api.md: code → HTTP status."""
    section = API_MD.read_text().split("## Errors", 1)[1].split("\n## ", 1)[0]
    return {code: int(status) for status, code in re.findall(r"^\| (\d{3}) \| `([a-z_]+)` \|", section, re.M)}


def test_every_generic_error_code_is_documented_with_its_status() -> None:
    documented = _documented_errors()
    for status, code in _STATUS_CODES.items():
        assert documented.get(code) == status, (code, status)


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_a_413(frozen_now, api_client, caplog) -> None:  # noqa: ANN001
    _key, raw = create_key("公众号", [Scope.READ, Scope.CREATE])
    api = api_client(raw)
    response = api.client.post("/api/v1/orders", data=json.dumps({"request_type": "help", "description": "x"}),
                               content_type="application/json", headers=api.headers,
                               CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert response.status_code == 413, response.content
    error = response.json()["error"]
    assert error["code"] == "payload_too_large" and _documented_errors()[error["code"]] == 413
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in error["message"]
    assert not Ticket.objects.exists()
    english = api.client.post("/api/v1/orders", data="{}", content_type="application/json",
                              headers={**api.headers, "Accept-Language": "en"},
                              CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert english.json()["error"]["message"].startswith("Request body too large")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no internal_error logged


@pytest.mark.django_db
def test_an_unreadable_request_is_a_documented_bad_request(frozen_now, api_client) -> None:  # noqa: ANN001
    _key, raw = create_key("公众号", [Scope.READ, Scope.CREATE])
    api = api_client(raw)
    not_json = api.client.post("/api/v1/orders", data="{not json", content_type="application/json",
                               headers=api.headers)
    nul = api.get("/orders/2025%00")
    for response in (not_json, nul):
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "bad_request"
    assert _documented_errors()["bad_request"] == 400


def test_the_documented_number_of_step_operations_is_the_registrys() -> None:
    found = re.search(r"one operation per action \((\d+)\)", API_MD.read_text())
    assert found is not None, "docs/api.md no longer states the number of step operations"
    assert int(found.group(1)) == len(STEPS)
