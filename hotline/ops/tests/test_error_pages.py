"""The last-resort answers (`handler500`): 503 + Retry-After while the database is unreachable, else 500;
JSON for machine paths, a page that needs no database for people, never a traceback."""

from __future__ import annotations

import psycopg
import pytest
from django.db import utils as db_utils
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

pytestmark = pytest.mark.django_db


def _explode(request: HttpRequest, kind: str) -> HttpResponse:
    if kind == "database":
        try:
            raise psycopg.OperationalError("connection failed: Connection refused")
        except psycopg.OperationalError as exc:
            raise db_utils.OperationalError(*exc.args) from exc
    raise RuntimeError("secret internals")


urlpatterns = [path("boom/<str:kind>", _explode), path("open311/v2/boom/<str:kind>", _explode)]
handler500 = "hotline.ops.errors.server_error"


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_page_during_a_database_outage_is_a_503_page_with_retry_after(client: Client) -> None:
    response = client.get("/boom/database")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    body = response.content.decode()
    assert "服务暂时不可用" in body and "Service temporarily unavailable" in body and "没有保存" in body
    assert response["X-Request-ID"] in body  # the id support staff can look up in the logs
    assert "Connection refused" not in body and "Traceback" not in body


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_any_other_failure_is_a_500_page_without_internals(client: Client) -> None:
    response = client.get("/boom/bug")
    assert response.status_code == 500 and not response.has_header("Retry-After")
    body = response.content.decode()
    assert "服务器内部错误" in body and "Server error" in body
    assert "secret internals" not in body


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_machine_paths_and_json_callers_get_the_api_error_shape(client: Client) -> None:
    outage = client.get("/open311/v2/boom/database")
    assert outage.status_code == 503 and outage["Retry-After"] == "5"
    assert outage.json()["error"]["code"] == "service_unavailable"
    assert outage.json()["error"]["details"] == {"request_id": outage["X-Request-ID"]}
    bug = client.get("/boom/bug", HTTP_ACCEPT="application/json")
    assert bug.status_code == 500 and bug.json()["error"]["code"] == "internal_error"
    assert b"secret internals" not in bug.content


def test_the_project_uses_this_handler() -> None:
    import hotline.urls

    assert hotline.urls.handler500 == "hotline.ops.errors.server_error"
