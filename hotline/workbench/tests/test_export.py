"""Exports of the filtered list: same filters and visibility as the page, streamed, masked, defused."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.workbench.queues.export import defuse

pytestmark = pytest.mark.django_db

PHONE = "13812341234"
MASKED = "138****1234"
FORMULA = "=cmd|' /C calc'!A0"
XSS = "<script>alert('x')</script>"


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _get(user: User, name: str, **params: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(reverse(name), params)


def _csv_rows(response: Any) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _by_number(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *body = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def test_csv_respects_filters_and_visibility(cast: Cast) -> None:
    """The export holds the filtered list the person may see: no other unit's order, no confidential one."""
    mine = make_ticket(Status.DISPATCHED, cast=cast, title="东门路灯", caller_phone=PHONE)
    make_ticket(Status.DISPATCHED, cast=cast, title="噪音扰民")
    make_ticket(Status.DISPATCHED, cast=Cast.build(), title="东门路灯（别的单位）")
    make_ticket(Status.PENDING_DISPATCH, cast=cast, title="东门路灯（保密）", is_confidential=True)
    response = _get(cast.lead_handler, "orders-export-csv", q="东门")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _by_number(_csv_rows(response))
    assert list(rows) == [mine.number]
    assert rows[mine.number]["联系电话"] == MASKED  # units see the phone masked
    assert rows[mine.number]["主办单位"] == cast.lead.name
    centre = _by_number(_csv_rows(_get(cast.dispatcher, "orders-export-csv", q="东门")))
    assert len(centre) == 3 and centre[mine.number]["联系电话"] == PHONE


def test_csv_defuses_formulas_and_keeps_markup_as_text(cast: Cast) -> None:
    """A cell that starts like a formula gets a leading quote; markup is plain text in a CSV attachment."""
    ticket = make_ticket(Status.REGISTERED, cast=cast, title=FORMULA, description=XSS, caller_name="@SUM(A1)")
    row = _by_number(_csv_rows(_get(cast.dispatcher, "orders-export-csv")))[ticket.number]
    assert row["标题"] == "'" + FORMULA
    assert row["来电人"] == "'@SUM(A1)"
    assert row["诉求内容"] == XSS  # does not start like a formula; the file is never rendered as HTML
    assert [defuse(v) for v in ["+1", "-1", "a=b", ""]] == ["'+1", "'-1", "a=b", ""]


def test_csv_streams_in_chunks(cast: Cast, django_assert_num_queries: Any, monkeypatch: Any) -> None:
    """Rows come from an iterator, chunk by chunk with the lead unit prefetched per chunk: no query per order."""
    from hotline.workbench.queues import export

    monkeypatch.setattr(export, "CHUNK", 5)
    for _ in range(12):
        make_ticket(Status.DISPATCHED, cast=cast)
    client = Client()
    client.force_login(cast.dispatcher)
    response = client.get(reverse("orders-export-csv"))
    with django_assert_num_queries(4):  # one cursor read in three chunks, plus one lead-unit query per chunk
        rows = _csv_rows(response)
    assert len(rows) == 13


def test_xlsx_opens_with_openpyxl(cast: Cast) -> None:
    """The workbook has the header and one row per filtered order, formulas defused, phones masked for units."""
    from openpyxl import load_workbook

    ticket = make_ticket(Status.DISPATCHED, cast=cast, title=FORMULA, caller_phone=PHONE)
    make_ticket(Status.REGISTERED, cast=cast, title="不在筛选结果里")
    response = _get(cast.lead_handler, "orders-export-xlsx", status=Status.DISPATCHED)
    assert isinstance(response, FileResponse) and response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    header = rows[0]
    assert header[0] == "工单编号" and len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert row["工单编号"] == ticket.number
    assert row["标题"] == "'" + FORMULA
    assert row["联系电话"] == MASKED
    assert isinstance(row["受理时间"], datetime)


def test_exports_need_login() -> None:
    """Anonymous visitors are sent to the login page."""
    for name in ["orders-export-csv", "orders-export-xlsx"]:
        assert Client().get(reverse(name)).status_code == 302


@pytest.mark.parametrize("name", ["orders-export-csv", "orders-export-xlsx"])
def test_exports_record_each_confidential_order_written(
    cast: Cast, name: str, django_assert_num_queries: Any, monkeypatch: Any
) -> None:
    """Each confidential (保密) order in an export is recorded like a view of its page, written together
    once the file has been sent (one INSERT for the export, not one per order); other orders are not."""
    from hotline.ops.models import AccessKind, AccessRecord
    from hotline.workbench.queues import export

    monkeypatch.setattr(export, "CHUNK", 5)
    secrets = {make_ticket(Status.REGISTERED, cast=cast, is_confidential=True, caller_phone=PHONE).number
               for _ in range(12)}
    plain = make_ticket(Status.REGISTERED, cast=cast, caller_phone=PHONE)
    client = Client()
    client.force_login(cast.dispatcher)
    response = client.get(reverse(name))
    with django_assert_num_queries(5 if name.endswith("csv") else 1):
        # CSV rows are read while it is sent: four reads in three chunks, then the records (one INSERT);
        # the XLSX was written in the view: only the records are left to write once it has been sent
        body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body
    confidential = AccessRecord.objects.filter(kind=AccessKind.CONFIDENTIAL)
    assert set(confidential.values_list("subject", flat=True)) == secrets
    assert set(confidential.values_list("user_id", flat=True)) == {cast.dispatcher.pk}
    assert not confidential.filter(subject=plain.number).exists()
    full_phone = AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE).values_list("subject", flat=True)
    assert set(full_phone) == secrets | {plain.number}  # the full numbers, recorded as before
