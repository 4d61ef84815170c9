"""Request ids and JSON log lines."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from hotline.ops import context
from hotline.ops.jsonlog import JsonFormatter, RequestContextFilter

pytestmark = pytest.mark.django_db


def test_a_request_gets_a_fresh_id_in_the_response(client) -> None:
    first, second = client.get(reverse("login")), client.get(reverse("login"))
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_incoming_id_is_kept_and_a_hostile_one_replaced(client) -> None:
    assert client.get(reverse("login"), HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")["X-Request-ID"] == "lb-7f3a9c2e-0001"
    hostile = client.get(reverse("login"), HTTP_X_REQUEST_ID='x" onload="alert(1)')["X-Request-ID"]
    assert hostile != 'x" onload="alert(1)' and len(hostile) == 32
    assert client.get(reverse("login"), HTTP_X_REQUEST_ID="a" * 500)["X-Request-ID"] != "a" * 500


def _json_line(record: logging.LogRecord) -> dict:
    RequestContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_the_request_log_line_is_one_json_object_with_the_context(client, caplog, staff) -> None:
    user = staff["dispatcher"]
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="hotline.request"):
        response = client.get(reverse("orders"), HTTP_X_REQUEST_ID="trace-000000042")
    record = next(r for r in caplog.records if r.name == "hotline.request")
    line = _json_line(record)
    assert line["request_id"] == "trace-000000042" == response["X-Request-ID"]
    assert (line["level"], line["logger"], line["path"], line["status"], line["user_id"]) == (
        "INFO", "hotline.request", reverse("orders"), 200, user.pk)
    assert line["method"] == "GET" and line["duration_ms"] >= 0 and line["time"].endswith("+00:00")
    assert line["message"] == f"GET {reverse('orders')} 200"


def test_log_lines_inside_a_view_carry_the_request_id() -> None:
    ctx = context.RequestContext(request_id="abc-12345678", ip="10.0.0.1", path="/x", method="POST", user_id=3)
    token = context.activate(ctx)
    try:
        record = logging.LogRecord("hotline.tickets", logging.WARNING, __file__, 1, "refused %s", ("x",), None)
        line = _json_line(record)
    finally:
        context.deactivate(token)
    assert line["request_id"] == "abc-12345678" and line["user_id"] == 3 and line["message"] == "refused x"


def test_outside_a_request_lines_have_no_request_fields_and_exceptions_are_kept() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("hotline.tasks", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = _json_line(record)
    assert "request_id" not in line and "ValueError: boom" in line["exc"]
    assert list(line)[:4] == ["time", "level", "logger", "message"]


def test_non_ascii_and_extra_fields_survive() -> None:
    record = logging.LogRecord("hotline", logging.INFO, __file__, 1, "工单 %s", ("已办结",), None)
    record.order = {"number": "2025030400001", "units": ["东城区"]}
    line = _json_line(record)
    assert line["message"] == "工单 已办结" and line["order"]["units"] == ["东城区"]
