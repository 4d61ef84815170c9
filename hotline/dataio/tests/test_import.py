"""Importing historical orders: validation with line numbers, idempotency, the orders it writes."""

from __future__ import annotations

import csv
from datetime import datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from hotline.dataio.formats import TEDDY_UNIT, baltimore_parser, nyc_parser, teddy_parser
from hotline.dataio.models import ImportedRecord, ImportRun
from hotline.dataio.services import import_file
from hotline.sla.choices import Light
from hotline.tickets.choices import Action, AssignmentStatus, Status
from hotline.tickets.models import Ticket, TimelineEvent

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

TEDDY_HEADER = "留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间\n"
BROKEN_TEDDY = TEDDY_HEADER + (
    '1,U1,噪音扰民,2019/5/1 9:00:00,"楼下夜宵店\n噪音很大",已责令整改，夜间停止营业。,2019/5/3 10:00:00\n'  # 2-3
    "2,U2,日期错,2019/13/40 9:00,内容,,\n"  # 4
    "3,U3,无内容,2019/5/1 9:00:00,,,\n"  # 5
    '4,U4,答复早,2019/5/5 9:00:00,"多行\n内容\n更多",答复,2019/5/1 9:00:00\n'  # 6-8
    '5,U5,多一列,2019/5/1 9:00:00,"坏行\n有多余列",x,2019/5/2 9:00,extra\n'  # 9-10
    "6,U6,请问公积金怎么提取,2019/5/6 9:00:00,未答复的留言,,\n"  # 11
)
BALTIMORE_HEADER = ["ServiceRequestNum", "SRType", "MethodReceived", "CreatedDate", "SRStatus", "DueDate",
                    "CloseDate", "Agency", "Address", "Neighborhood", "Latitude", "Longitude", "ZipCode"]


def run(path: Path, fmt: str, *extra: str) -> list[str]:
    out = StringIO()
    call_command("import", str(path), "--format", fmt, *extra, stdout=out)
    return out.getvalue().strip().splitlines()


def report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_broken_teddy_rows_are_reported_with_their_lines_and_good_rows_imported(write_csv, tmp_path: Path) -> None:
    path = write_csv("teddy.csv", raw=BROKEN_TEDDY)
    lines = run(path, "teddy")
    assert lines[-1] == "imported=2 rejected=4 skipped=0"
    rejected = report(tmp_path / "teddy.rejected.csv")
    assert [(r["line"], r["external_id"]) for r in rejected] == [("4", "2"), ("5", "3"), ("6", "4"), ("9", "5")]
    assert "留言时间无法识别" in rejected[0]["reason"]
    assert rejected[1]["reason"] == "缺少诉求内容"
    assert rejected[2]["reason"] == "答复时间早于受理时间"
    assert "列数不符" in rejected[3]["reason"]
    assert Ticket.objects.count() == 2
    run_row = ImportRun.objects.get()
    assert (run_row.imported, run_row.rejected, run_row.report_path) == (2, 4, str(tmp_path / "teddy.rejected.csv"))


def test_rerunning_the_same_file_imports_nothing_twice(write_csv) -> None:
    path = write_csv("teddy.csv", raw=BROKEN_TEDDY)
    run(path, "teddy")
    assert run(path, "teddy")[-1] == "imported=0 rejected=4 skipped=2"
    assert Ticket.objects.count() == 2 and ImportedRecord.objects.count() == 2


def test_a_replied_teddy_message_is_a_closed_order_with_its_real_dates(write_csv) -> None:
    run(write_csv("teddy.csv", raw=BROKEN_TEDDY), "teddy")
    ticket = Ticket.objects.get(title="噪音扰民")
    asked = datetime(2019, 5, 1, 9, tzinfo=SHANGHAI)
    answered = datetime(2019, 5, 3, 10, tzinfo=SHANGHAI)
    assert (ticket.status, ticket.registered_at, ticket.closed_at) == (Status.CLOSED, asked, answered)
    assert ticket.number.startswith("20190501") and ticket.description == "楼下夜宵店\n噪音很大"
    assert (ticket.light, ticket.phase_due, ticket.close_overdue) == (Light.NONE, None, False)
    reply = ticket.replies.get()
    assert (reply.created_at, reply.content, reply.assignment.unit.name) == (answered, "已责令整改，夜间停止营业。", TEDDY_UNIT)
    assert reply.assignment.status == AssignmentStatus.COMPLETED and reply.assignment.light == Light.NONE
    events = list(ticket.timeline.all())
    assert [e.action for e in events] == [Action.REGISTER, Action.DISPATCH, Action.REPLY, Action.APPROVE_REPLY]
    assert [e.at for e in events] == [asked, asked, answered, answered]
    assert ticket.version == len(events) == events[-1].seq
    assert all(e.data["imported"] == "teddy" and e.data["line"] == 2 for e in events)
    assert events[-1].to_status == Status.CLOSED


def test_an_unanswered_teddy_message_waits_for_dispatch(write_csv) -> None:
    run(write_csv("teddy.csv", raw=BROKEN_TEDDY), "teddy")
    ticket = ImportedRecord.objects.get(line=11).ticket
    assert ticket.status == Status.PENDING_DISPATCH and not ticket.assignments.exists()
    assert ticket.request_type == "consult" and ticket.light == Light.NONE
    assert [e.action for e in ticket.timeline.all()] == [Action.REGISTER, Action.SEND_TO_DISPATCH]


def test_teddy_files_without_dates_need_a_default_date(write_csv) -> None:
    path = write_csv("labeled.csv", [["留言编号", "留言主题", "留言详情", "一级标签"],
                                     ["", "路灯", "路灯坏了", "城乡建设"], ["7.0", "", "学校收费", "教育文体"],
                                     ["8", "", "无此分类", "不存在的分类"]])
    with pytest.raises(CommandError, match="文件缺少列：留言时间.*--default-date"):  # one error, not 3 rejected rows
        run(path, "teddy")
    assert not ImportRun.objects.exists()


def test_teddy_labels_map_to_the_taxonomy(write_csv, taxonomy: None) -> None:
    path = write_csv("labeled.csv", [["留言编号", "留言主题", "留言详情", "一级标签"],
                                     ["", "路灯", "路灯坏了", "城乡建设"], ["7.0", "", "学校收费", "教育文体"],
                                     ["8", "", "无此分类", "不存在的分类"]])
    lines = run(path, "teddy", "--default-date", "2019-12-31")
    assert lines[-1] == "imported=2 rejected=1 skipped=0"
    assert any("line 4: 未知分类「不存在的分类」" in line for line in lines)
    ticket = Ticket.objects.get(description="学校收费")
    assert ticket.category.full_name == "教育文体" and ticket.registered_at == datetime(2019, 12, 31, tzinfo=SHANGHAI)
    assert ImportedRecord.objects.get(ticket=ticket).external_id.startswith("7-")


def _baltimore(write_csv, *rows: list[str]) -> Path:
    return write_csv("balt.csv", [BALTIMORE_HEADER, *rows])


def test_broken_baltimore_rows(write_csv, tmp_path: Path) -> None:
    ok = ["18-1", "SW-Dirty Alley", "Phone", "04/16/2018 05:30:13 AM", "Closed", "04/23/2018 05:30:13 AM",
          "04/20/2018 06:25:33 AM", "Solid Waste", "12 S STOCKTON ST", "Hollins Market", "39.28", "-76.63", "21223.0"]
    path = _baltimore(
        write_csv, ok,
        ["18-2", *ok[1:4], "Weird", *ok[5:]],
        ["18-3", *ok[1:6], "04/10/2018 06:25:33 AM", *ok[7:]],
        ["18-4", *ok[1:3], "2018-99-99", *ok[4:]],
        ["18-5", "", *ok[2:]],
        ["18-6", *ok[1:4], "Closed", ok[5], "", *ok[7:]],
    )
    assert run(path, "baltimore", "--report", str(tmp_path / "r.csv"))[-1] == "imported=1 rejected=5 skipped=0"
    reasons = {r["external_id"]: (r["line"], r["reason"]) for r in report(tmp_path / "r.csv")}
    assert reasons["18-2"] == ("3", "未知状态「Weird」")
    assert reasons["18-3"] == ("4", "办结时间早于受理时间")
    assert reasons["18-4"][0] == "5" and "CreatedDate" in reasons["18-4"][1]
    assert reasons["18-5"][0] == "6" and "缺少诉求内容" in reasons["18-5"][1]
    assert reasons["18-6"] == ("7", "已办结但缺少办结时间")
    ticket = Ticket.objects.get()
    assert ticket.registered_at == datetime(2018, 4, 16, 5, 30, 13, tzinfo=NEW_YORK)
    assert ticket.category.full_name == "Baltimore 311（导入）/Solid Waste/SW-Dirty Alley"
    assert ticket.assignments.get().unit.parent.code == "import-units"
    assert not ticket.close_overdue and str(ticket.latitude) == "39.280000"


def test_open_historical_orders_have_deadlines_and_lights(write_csv, frozen_now) -> None:
    path = _baltimore(write_csv, ["18-7", "TRT-Traffic Signal Repairs", "API", "04/12/2018 11:11:26 AM", "New",
                                  "04/13/2018 11:11:26 AM", "", "Transportation", "3400 GARRISON BLVD", "", "", "",
                                  ""])
    run(path, "baltimore")
    ticket = Ticket.objects.get()
    lead = ticket.assignments.get()
    assert ticket.status == Status.DISPATCHED and lead.status == AssignmentStatus.PENDING_SIGN
    assert ticket.close_due == datetime(2018, 4, 13, 11, 11, 26, tzinfo=NEW_YORK)
    assert ticket.light == Light.RED and ticket.close_overdue and lead.light == Light.RED and lead.sign_overdue
    assert ticket.channel == "app" and ticket.closed_at is None


def test_imported_orders_show_on_the_order_page_and_in_lists(write_csv, staff) -> None:
    run(write_csv("teddy.csv", raw=BROKEN_TEDDY), "teddy")
    ticket = Ticket.objects.get(title="噪音扰民")
    client = Client()
    client.force_login(staff["supervisor"])
    page = client.get(f"/orders/{ticket.number}/")
    assert page.status_code == 200
    assert "已责令整改，夜间停止营业。" in page.content.decode()
    listing = client.get("/orders/")
    assert listing.status_code == 200 and ticket.number in listing.content.decode()


def test_excel_imports_like_csv(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"])
    sheet.append([95823.0, "U1", "噪音", datetime(2019, 5, 1, 9), "夜宵店噪音", "已处理", "2019/5/2 9:00:00"])
    sheet.append([95824, "U2", "坏日期", "昨天", "内容", None, None])
    path = tmp_path / "teddy.xlsx"
    book.save(path)
    assert run(path, "teddy")[-1] == "imported=1 rejected=1 skipped=0"
    rejected = report(tmp_path / "teddy.rejected.csv")
    assert (rejected[0]["line"], rejected[0]["external_id"]) == ("3", "95824")
    ticket = Ticket.objects.get()
    assert ticket.registered_at == datetime(2019, 5, 1, 9, tzinfo=SHANGHAI) and ticket.status == Status.CLOSED
    assert ImportedRecord.objects.get().external_id.startswith("95823-")


def test_mapped_format_with_the_example_mapping(tmp_path: Path, taxonomy: None) -> None:
    source = tmp_path / "riverside.csv"
    source.write_bytes((EXAMPLES / "riverside.csv").read_bytes())
    lines = run(source, "mapped", "--mapping", str(EXAMPLES / "riverside.json"))
    assert lines[-1] == "imported=3 rejected=1 skipped=0"
    assert report(tmp_path / "riverside.rejected.csv")[0]["line"] == "6"
    closed = Ticket.objects.get(imported_from__external_id="RS-0001")
    assert closed.status == Status.CLOSED and closed.category.full_name == "环境保护/环境污染/噪音污染"
    assert closed.caller_phone == "13800001234" and closed.replies.get().content.startswith("已责令")
    assert closed.registered_at == datetime(2023, 5, 3, 23, 10, tzinfo=SHANGHAI)
    doing = Ticket.objects.get(imported_from__external_id="RS-0002")
    assert doing.status == Status.IN_PROGRESS and doing.channel == "wechat"
    assert doing.assignments.get().unit.name == "滨江街道"
    assert Ticket.objects.get(imported_from__external_id="RS-0003").status == Status.PENDING_DISPATCH
    assert run(source, "mapped", "--mapping", str(EXAMPLES / "riverside.json"))[-1] == \
        "imported=0 rejected=1 skipped=3"


def test_a_bad_mapping_file_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    mapping = tmp_path / "m.json"
    mapping.write_text('{"source": "x", "columns": {"description": "d"}, "status_map": {"a": "closed"}}')
    with pytest.raises(CommandError, match="external_id"):
        run(EXAMPLES / "riverside.csv", "mapped", "--mapping", str(mapping))
    mapping.write_text('{"source": "x", "columns": {"external_id": "a", "description": "d", "registered_at": "t", '
                       '"status": "s"}, "status_map": {"a": "finished"}}')
    with pytest.raises(CommandError, match="finished"):
        run(EXAMPLES / "riverside.csv", "mapped", "--mapping", str(mapping))
    assert not ImportRun.objects.exists()


def test_import_writes_no_notifications_and_no_signals(write_csv) -> None:
    from hotline.notifications.backends import MemoryNotifier
    from hotline.tickets.signals import ticket_changed

    heard: list[dict] = []

    def listen(**kwargs: object) -> None:
        heard.append(kwargs)

    ticket_changed.connect(listen)
    try:
        run(write_csv("teddy.csv", raw=BROKEN_TEDDY), "teddy")
    finally:
        ticket_changed.disconnect(listen)
    assert heard == [] and MemoryNotifier.sent == []


@pytest.mark.parametrize(("fmt", "parser"), [("baltimore", baltimore_parser), ("nyc", nyc_parser)])
def test_every_timeline_event_is_marked_imported(write_csv, fmt: str, parser) -> None:  # noqa: ANN001
    from hotline.dataio.tests.conftest import shared_file, slice_csv

    name = "baltimore311_sample.csv" if fmt == "baltimore" else "nyc311_sample.csv"
    sample = write_csv(f"{fmt}.csv", raw="")
    count = slice_csv(shared_file(f"open311/{name}"), sample, 300, step=7)
    result = import_file(sample, parser(), source=fmt)
    assert result.imported + result.rejected + result.skipped == count
    assert TimelineEvent.objects.exclude(data__imported=fmt).count() == 0
    assert not Ticket.objects.filter(status__in=[Status.CLOSED], light__in=[Light.GREEN, Light.YELLOW, Light.RED])
    for ticket in Ticket.objects.all()[:50]:
        assert ticket.version == ticket.timeline.count()
    assert teddy_parser  # the three parsers are importable side by side


def test_a_mapped_closed_row_without_its_close_date_is_rejected_not_closed_at_the_reply(
        tmp_path: Path, taxonomy: None) -> None:
    """docs/import-export.md: `已办结但缺少办结时间` — a mapped file's close date is not guessed from the reply."""
    source = tmp_path / "closed.csv"
    text = (EXAMPLES / "riverside.csv").read_text(encoding="utf-8")
    source.write_text(text.replace("05.05.2023 10:00,06.05.2023 09:30", "05.05.2023 10:00,"), encoding="utf-8")
    assert run(source, "mapped", "--mapping", str(EXAMPLES / "riverside.json"))[-1] == \
        "imported=2 rejected=2 skipped=0"
    reasons = {r["line"]: r["reason"] for r in report(tmp_path / "closed.rejected.csv")}
    assert reasons["2"] == "已办结但缺少办结时间"
    assert not Ticket.objects.filter(imported_from__external_id="RS-0001").exists()
