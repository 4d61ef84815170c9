"""首次满意度 and 最终满意度 in the order export: the first and final valid return visit, no query per order."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_rehandled, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _rehandled(cast: Cast) -> Ticket:
    return make_rehandled(cast, final=Satisfaction.BASICALLY)


def _rows(client: Client) -> dict[str, dict[str, str]]:
    raw = b"".join(client.get(reverse("orders-export-csv")).streaming_content)
    header, *body = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def test_first_and_final_satisfaction_columns(cast: Cast, django_assert_num_queries: Any) -> None:
    again = _rehandled(cast)
    once = make_ticket(Status.CLOSED, cast=cast)
    open_ = make_ticket(Status.DISPATCHED, cast=cast)
    client = Client()
    client.force_login(cast.dispatcher)
    with django_assert_num_queries(4):  # session, user, the orders (with both subqueries), their lead units
        rows = _rows(client)
    assert (rows[again.number]["首次满意度"], rows[again.number]["最终满意度"]) == ("不满意", "基本满意")
    assert (rows[once.number]["首次满意度"], rows[once.number]["最终满意度"]) == ("满意", "满意")
    assert (rows[open_.number]["首次满意度"], rows[open_.number]["最终满意度"]) == ("", "")


def test_xlsx_has_the_columns(cast: Cast) -> None:
    from openpyxl import load_workbook

    again = _rehandled(cast)
    client = Client()
    client.force_login(cast.dispatcher)
    response = client.get(reverse("orders-export-xlsx"))
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
                .active.iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["工单编号"] == again.number
    assert (row["首次满意度"], row["最终满意度"]) == ("不满意", "基本满意")
