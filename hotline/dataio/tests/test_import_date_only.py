"""A date given without a time of day (2026-11-01, 2026年11月01日, 11/01/2026, an Excel date cell) stands for that
whole Shanghai day (docs/import-export.md): a due date (时限) is the end of the day (24:00, docs/sla.md §3), and a
reply or close date on the registration day is not "before the registration" — it is recorded at it, with a
warning. Before, a bare date was 00:00 at the start of the day: an order closed at 15:00 on its due day was
办结超期 forever, an open order due today was red in the morning, a same-day date-only close was refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from openpyxl import Workbook

from hotline.dataio.models import ImportWarning
from hotline.dataio.rows import (
    DATE_ONLY_AT_REGISTER,
    DATE_ONLY_AT_REPLY,
    BareDate,
    SourceOrder,
    check,
    parse_datetime,
)
from hotline.sla.choices import Light
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, tzinfo=SH)  # a working Wednesday
HEADER = "工单号,诉求内容,来电时间,状态,承办单位,答复内容,答复时间,办结时间,时限\n"
COLUMNS = {"external_id": "工单号", "description": "诉求内容", "registered_at": "来电时间", "status": "状态",
           "unit": "承办单位", "reply_text": "答复内容", "replied_at": "答复时间", "closed_at": "办结时间",
           "due_at": "时限"}


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _mapping(tmp_path: Path, formats: tuple[str, ...] = ("%Y-%m-%d %H:%M", "%Y-%m-%d")) -> Path:
    m = tmp_path / "m.json"
    m.write_text(json.dumps({
        "source": "riverside-due", "timezone": "Asia/Shanghai", "date_formats": list(formats), "columns": COLUMNS,
        "status_map": {"已办结": "closed", "办理中": "in_progress"}, "defaults": {"request_type": "complaint"},
    }, ensure_ascii=False), encoding="utf-8")
    return m


def _import(tmp_path: Path, rows: str, **mapping: tuple[str, ...]) -> list[str]:
    src = tmp_path / "r.csv"
    src.write_text(HEADER + rows, encoding="utf-8")
    out = StringIO()
    call_command("import", str(src), "--format", "mapped", "--mapping", str(_mapping(tmp_path, **mapping)),
                 stdout=out)
    return out.getvalue().strip().splitlines()


def _warnings() -> list[tuple[str, str, str]]:
    return [(w.column, w.value, w.reason) for w in ImportWarning.objects.order_by("pk")]


def test_closed_on_its_due_day_is_not_overdue(tmp_path: Path, cast: Cast) -> None:
    lines = _import(tmp_path, f"D-1,路灯不亮,2026-10-28 09:00,已办结,{cast.lead.name},已修复,2026-11-01 15:00,"
                              "2026-11-01 15:00,2026-11-01\n")
    assert lines[-1] == "imported=1 rejected=0 skipped=0", lines
    t = Ticket.objects.get()
    # Closed at 15:00 on the due day itself: on time (the due day is 2026-11-01 as a whole).
    assert t.close_overdue is False
    assert t.close_due == datetime(2026, 11, 2, tzinfo=SH)  # 24:00 of the due day
    assert t.assignments.get().reply_due == datetime(2026, 11, 2, tzinfo=SH)


def test_closed_the_day_after_a_bare_due_date_is_overdue(tmp_path: Path, cast: Cast) -> None:
    lines = _import(tmp_path, f"D-1,路灯不亮,2026-10-28 09:00,已办结,{cast.lead.name},已修复,,"
                              "2026-11-02 00:30,2026-11-01\n")
    assert lines[-1] == "imported=1 rejected=0 skipped=0", lines
    assert Ticket.objects.get().close_overdue is True


def test_closed_the_same_day_with_a_date_only_close_date_is_imported(tmp_path: Path, cast: Cast) -> None:
    """办结时间 given as a bare date (2026-11-01) for an order registered that day at 09:00 closed that day: it is
    not "办结时间早于受理时间" (the close day is not before the registration day)."""
    lines = _import(tmp_path, f"D-2,咨询公积金,2026-11-01 09:00,已办结,{cast.lead.name},已答复,,2026-11-01,\n")
    assert lines[-1] == "imported=1 rejected=0 skipped=0", lines
    t = Ticket.objects.get()
    assert t.status == Status.CLOSED and t.closed_at == datetime(2026, 11, 1, 9, tzinfo=SH)
    assert t.assignments.get().replied_at == t.closed_at
    # One warning for the one date given (the reply takes the close date when 答复时间 is empty).
    assert _warnings() == [("办结时间", "2026-11-01", DATE_ONLY_AT_REGISTER)]


def test_a_date_only_reply_on_the_registration_day_is_recorded_at_the_registration(tmp_path: Path,
                                                                                     cast: Cast) -> None:
    lines = _import(tmp_path, f"D-4,噪音扰民,2026-11-01 09:00,已办结,{cast.lead.name},已处理,2026-11-01,"
                              "2026-11-03 10:00,\n")
    assert lines[-1] == "imported=1 rejected=0 skipped=0", lines
    assert Ticket.objects.get().assignments.get().replied_at == datetime(2026, 11, 1, 9, tzinfo=SH)
    assert _warnings() == [("答复时间", "2026-11-01", DATE_ONLY_AT_REGISTER)]


def test_a_date_only_close_on_the_reply_day_is_recorded_at_the_reply(tmp_path: Path, cast: Cast) -> None:
    """Not "答复时间晚于办结时间" with the reply moved back to 00:00: the close is that day, after the reply."""
    lines = _import(tmp_path, f"D-5,噪音扰民,2026-10-28 09:00,已办结,{cast.lead.name},已处理,2026-11-01 15:00,"
                              "2026-11-01,\n")
    assert lines[-1] == "imported=1 rejected=0 skipped=0", lines
    t = Ticket.objects.get()
    assert t.closed_at == t.assignments.get().replied_at == datetime(2026, 11, 1, 15, tzinfo=SH)
    assert _warnings() == [("办结时间", "2026-11-01", DATE_ONLY_AT_REPLY)]


def test_a_date_only_close_on_a_later_day_keeps_that_day(tmp_path: Path, cast: Cast) -> None:
    lines = _import(tmp_path, f"D-6,噪音扰民,2026-10-28 09:00,已办结,{cast.lead.name},已处理,,2026-11-01,\n")
    assert lines[-1] == "imported=1 rejected=0 skipped=0", lines
    assert Ticket.objects.get().closed_at == datetime(2026, 11, 1, tzinfo=SH)
    assert _warnings() == []


def test_a_date_only_close_before_the_registration_day_is_still_refused(tmp_path: Path, cast: Cast) -> None:
    lines = _import(tmp_path, f"D-7,噪音扰民,2026-11-01 09:00,已办结,{cast.lead.name},已处理,,2026-10-31,\n")
    assert lines[-1] == "imported=0 rejected=1 skipped=0", lines
    assert not Ticket.objects.exists()


def test_an_open_order_due_today_is_not_red_in_the_morning(tmp_path: Path, cast: Cast) -> None:
    """An open order whose source 时限 is today's date (2026-11-25) still has today: at 10:00 it is not red."""
    lines = _import(tmp_path, f"D-3,井盖缺失,2026-11-20 09:00,办理中,{cast.lead.name},,,,2026-11-25\n")
    assert lines[-1] == "imported=1 rejected=0 skipped=0", lines
    t = Ticket.objects.get()
    assert t.light != Light.RED and t.close_overdue is False
    assert t.close_due == datetime(2026, 11, 26, tzinfo=SH)


@pytest.mark.parametrize(("fmt", "due"), [("%Y年%m月%d日", "2026年11月01日"), ("%m/%d/%Y", "11/01/2026")])
def test_every_date_only_format_is_the_whole_day(tmp_path: Path, cast: Cast, fmt: str, due: str) -> None:
    lines = _import(tmp_path, f"D-8,路灯不亮,2026-10-28 09:00,已办结,{cast.lead.name},已修复,,"
                              f"2026-11-01 15:00,{due}\n", formats=("%Y-%m-%d %H:%M", fmt))
    assert lines[-1] == "imported=1 rejected=0 skipped=0", lines
    t = Ticket.objects.get()
    assert t.close_due == datetime(2026, 11, 2, tzinfo=SH) and t.close_overdue is False


def test_excel_date_cells_are_whole_days(tmp_path: Path, cast: Cast) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["X-1", "路灯不亮", datetime(2026, 10, 28, 9), "已办结", cast.lead.name, "已修复",
                  datetime(2026, 11, 1, 15), date(2026, 11, 1), date(2026, 11, 1)])
    source = book_path = tmp_path / "r.xlsx"
    book.save(book_path)
    out = StringIO()
    call_command("import", str(source), "--format", "mapped", "--mapping", str(_mapping(tmp_path)), stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "imported=1 rejected=0 skipped=0", out.getvalue()
    t = Ticket.objects.get()
    # The close date cell (a day) is that afternoon's reply; the due date cell is the end of the day.
    assert t.closed_at == datetime(2026, 11, 1, 15, tzinfo=SH)
    assert t.close_due == datetime(2026, 11, 2, tzinfo=SH) and t.close_overdue is False


def test_parse_datetime_tells_a_bare_date() -> None:
    for value, fmt in [("2026-11-01", "%Y-%m-%d"), ("2026年11月01日", "%Y年%m月%d日"), ("11/01/2026", "%m/%d/%Y")]:
        assert isinstance(parse_datetime(value, SH, what="时限", formats=(fmt,)), BareDate)
    assert isinstance(parse_datetime("2026-11-01", SH, what="时限"), BareDate)
    assert isinstance(parse_datetime(date(2026, 11, 1), SH, what="时限"), BareDate)
    assert isinstance(parse_datetime(datetime(2026, 11, 1), SH, what="时限"), BareDate)  # an Excel date cell
    for value in ("2026-11-01 00:00", "2026-11-01T00:00:00", datetime(2026, 11, 1, 0, 1)):
        moment = parse_datetime(value, SH, what="时限")
        assert not isinstance(moment, BareDate)
    assert parse_datetime("2026-11-01", SH, what="时限") == datetime(2026, 11, 1, tzinfo=SH)


def test_check_leaves_plain_datetimes() -> None:
    order = check(SourceOrder(line=2, external_id="C-1", description="路灯不亮", status=Status.CLOSED,
                              registered_at=parse_datetime("2026-11-01", SH, what="受理时间"),
                              closed_at=parse_datetime("2026-11-01", SH, what="办结时间"),
                              due_at=parse_datetime("2026-11-03", SH, what="时限")))
    for moment in (order.registered_at, order.closed_at, order.due_at):
        assert type(moment) is datetime
    assert order.due_at == datetime(2026, 11, 4, tzinfo=SH)
    assert order.warnings == []
