"""The API's own validators word their refusals in the caller's language (docs/api.md: `details[].msg`)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from django.test import Client

from hotline.api.keys import create_key
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, ensure_default_policies, make_ticket

CJK = re.compile(r"[\u4e00-\u9fff]")
API = Path(__file__).resolve().parents[1]


@pytest.fixture
def sign(frozen_now):  # noqa: ANN001, ANN201
    """POST a body to 签收 of a dispatched order with the lead unit's key, in a language; the error body."""
    ensure_default_policies()
    cast = Cast.build()
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    _, raw = create_key("街道", ["read", "act"], unit=cast.lead)

    def send(body: dict, language: str) -> dict:
        response = Client().post(f"/api/v1/orders/{ticket.number}/actions/sign", data=json.dumps(body),
                                 content_type="application/json",
                                 headers={"Authorization": f"Bearer {raw}", "Accept-Language": language})
        assert response.status_code == 400
        return response.json()["error"]

    return send


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "msg"), [
    ("en", "Input should be an integer, not true/false"),
    ("zh-hans", "须为整数，不能是 true/false"),
])
def test_a_boolean_for_a_number_is_refused_in_the_callers_language(sign, language: str, msg: str) -> None:  # noqa: ANN001
    error = sign({"version": True}, language)
    assert error["code"] == "validation_error"
    assert [(d["loc"][-1], d["msg"], d["type"]) for d in error["details"]] == [("version", msg, "value_error")]
    if language == "en":
        assert not CJK.search(error["message"])


def _raw_chinese_refusals(path: Path) -> list[str]:
    """`raise ValueError("…")` (or an f-string; any exception, any argument) with Chinese written straight in,
    not through gettext: pydantic reports such a validator's text as it is, whatever the caller's language."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            given = [*node.exc.args, *(keyword.value for keyword in node.exc.keywords)]
            if any(isinstance(arg, ast.Constant | ast.JoinedStr) and CJK.search(ast.unparse(arg)) for arg in given):
                found.append(f"{path.relative_to(API.parent.parent)}:{node.lineno}")
    return found


def test_no_validator_of_the_api_raises_untranslated_chinese() -> None:
    files = [p for p in API.rglob("*.py") if not {"tests", "migrations", "management"} & set(p.parts)]
    assert files
    assert [line for path in files for line in _raw_chinese_refusals(path)] == []
