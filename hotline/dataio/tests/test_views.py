"""The export page: supervisors download the public CSV, only administrators the full JSON."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hotline.dataio.export import OPEN311_COLUMNS
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _body(response) -> str:  # noqa: ANN001
    return b"".join(response.streaming_content).decode("utf-8")


def test_supervisors_download_the_open311_csv(staff, frozen_now) -> None:
    ticket = make_ticket(Status.CLOSED, caller_phone="13812345678")
    client = _client(staff["supervisor"])
    assert client.get("/data/export/").status_code == 200
    response = client.get("/data/export/", {"format": "open311-csv", "since": "2025-03-01", "until": "2025-03-04"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    body = _body(response)
    assert body.startswith("\ufeff" + ",".join(OPEN311_COLUMNS)) and ticket.number in body
    assert "13812345678" not in body
    empty = _body(client.get("/data/export/", {"format": "open311-csv", "since": "2025-03-05"}))
    assert ticket.number not in empty
    assert client.get("/data/export/", {"format": "json"}).status_code == 403


def test_administrators_also_get_the_json(staff, frozen_now) -> None:
    ticket = make_ticket(Status.CLOSED)
    response = _client(staff["admin"]).get("/data/export/", {"format": "json"})
    assert response.status_code == 200
    orders = json.loads(_body(response))["orders"]
    assert [o["number"] for o in orders] == [ticket.number] and orders[0]["timeline"]


def test_others_may_not_export_and_bad_dates_are_explained(staff, frozen_now) -> None:
    assert _client(staff["intake"]).get("/data/export/").status_code == 403
    response = _client(staff["supervisor"]).get("/data/export/", {"format": "open311-csv", "since": "yesterday"})
    assert response.status_code == 400 and "无法识别的日期" in response.content.decode()
