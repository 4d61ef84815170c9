"""An imported row whose value was left out, shortened or replaced gets a warning with its line, column,
value and reason: stored with the run, shown on its page, counted, in the report and printed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from hotline.dataio.formats import baltimore_parser
from hotline.dataio.models import ImportRun, ImportWarning
from hotline.dataio.rows import MAX_TITLE
from hotline.dataio.services import import_file
from hotline.dataio.tests.test_import import BALTIMORE_HEADER, EXAMPLES, TEDDY_HEADER, report, run
from hotline.tickets.choices import Action, Channel
from hotline.tickets.models import Ticket, TimelineEvent

pytestmark = pytest.mark.django_db

LONG_ADDRESS = "滨江路" + "一" * 300
LONG_DESCRIPTION = "诉求" * 6000  # 12,000 characters: longer than any column, within the description's limit


def _mapped(tmp_path: Path, rows: list[dict[str, str]], **spec_changes: object) -> tuple[Path, Path]:
    """The riverside example's mapping (with coordinates) and a file of `rows` (missing cells empty)."""
    spec = json.loads((EXAMPLES / "riverside.json").read_text(encoding="utf-8"))
    spec["columns"] |= {"latitude": "纬度", "longitude": "经度"}
    spec.update(spec_changes)
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    header = list(spec["columns"].values())
    source = tmp_path / "r.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for row in rows:
            out.writerow([row.get(column, "") for column in header])
    return source, mapping


def _row(number: str, **cells: str) -> dict[str, str]:
    """A pending order of the riverside example, with `cells` changed."""
    return {"工单号": number, "标题": "路灯不亮", "诉求内容": "小区门口路灯坏了", "来电时间": "03.05.2023 23:10",
            "状态": "待派单", "来源": "电话"} | cells


def test_values_left_out_or_cut_are_warned_with_line_column_value_and_reason(tmp_path: Path, taxonomy: None) -> None:
    source, mapping = _mapped(tmp_path, [
        _row("W-1", 纬度="95.5", 经度="120.1"),  # line 2: latitude out of range
        _row("W-2", 来源="传真"),  # line 3: a channel the mapping does not know
        _row("W-3", 标题="长" * (MAX_TITLE + 5), 地址=LONG_ADDRESS, 诉求内容=LONG_DESCRIPTION),  # line 4
        _row("W-4", 纬度="31.2", 经度="121.5"),  # line 5: nothing lost
    ])
    lines = run(source, "mapped", "--mapping", str(mapping))
    assert lines[-1] == "imported=4 rejected=0 skipped=0"  # the machine line is unchanged
    assert lines[-2] == "导入 4 行，拒绝 0 行，警告 3 行"
    assert any("warning line 2 纬度「95.5」: 经纬度超出范围" in line for line in lines)

    run_row = ImportRun.objects.get()
    assert (run_row.imported, run_row.rejected, run_row.warned) == (4, 0, 3)
    warnings = {(w.line, w.column): w for w in ImportWarning.objects.filter(run=run_row)}
    assert set(warnings) == {(2, "纬度"), (3, "来源"), (4, "标题"), (4, "地址")}
    assert warnings[2, "纬度"].text(translate=False) == "经纬度超出范围（纬度应在 -90 至 90 之间），已忽略"
    assert warnings[3, "来源"].text(translate=False) == "未知的渠道“传真”，已按默认处理"
    assert warnings[4, "标题"].text(translate=False) == f"内容超过 {MAX_TITLE} 字，已截断"
    assert warnings[4, "地址"].value.startswith("滨江路一") and len(warnings[4, "地址"].value) == 40
    assert warnings[2, "纬度"].ticket == Ticket.objects.get(imported_from__external_id="W-1")

    first = Ticket.objects.get(imported_from__external_id="W-1")
    assert first.latitude is None and first.longitude is not None
    assert Ticket.objects.get(imported_from__external_id="W-2").channel == Channel.PHONE
    cut = Ticket.objects.get(imported_from__external_id="W-3")
    assert cut.description == LONG_DESCRIPTION  # never cut
    assert len(cut.title) == MAX_TITLE and len(cut.address) == 255
    register = TimelineEvent.objects.get(ticket=cut, action=Action.REGISTER)
    assert register.data["original"] == {"title": "长" * (MAX_TITLE + 5), "address": LONG_ADDRESS}

    rows = report(tmp_path / "r.rejected.csv")
    assert [(r["line"], r["kind"], r["column"]) for r in rows] == [
        ("2", "警告", "纬度"), ("3", "警告", "来源"), ("4", "警告", "标题"), ("4", "警告", "地址")]
    assert rows[1]["value"] == "传真" and rows[1]["external_id"] == "W-2"
    assert rows[1]["reason"] == "未知的渠道“传真”，已按默认处理"
    assert run_row.report_path == str(tmp_path / "r.rejected.csv")


def test_a_row_that_cannot_be_kept_whole_is_rejected_as_before_and_its_warnings_do_not_count(
        tmp_path: Path, taxonomy: None) -> None:
    source, mapping = _mapped(tmp_path, [
        _row("P-1", 电话="1380000" * 5, 纬度="999", 经度="1"),  # a phone longer than its column: refused
        _row("P-2", 承办单位="单" * 101, 状态="办理中"),  # a unit name longer than its column: refused
        _row("P-3", 纬度="abc", 经度="121.5"),
    ])
    lines = run(source, "mapped", "--mapping", str(mapping))
    assert lines[-1] == "imported=1 rejected=2 skipped=0"
    assert lines[-2] == "导入 1 行，拒绝 2 行，警告 1 行"
    rows = report(tmp_path / "r.rejected.csv")
    assert [(r["line"], r["kind"]) for r in rows] == [("2", "拒收"), ("3", "拒收"), ("4", "警告")]
    assert rows[0]["reason"] == "联系电话过长（35 字，上限 32 字）"
    assert rows[1]["reason"] == "承办单位过长（101 字，上限 100 字）"
    assert rows[2]["reason"] == "经纬度无法识别，已忽略" and rows[2]["value"] == "abc"
    assert ImportWarning.objects.count() == 1 and ImportRun.objects.get().warned == 1


def test_unknown_values_of_mapped_columns_and_dropped_dates_are_warned(tmp_path: Path, taxonomy: None) -> None:
    source, mapping = _mapped(tmp_path, [
        _row("U-1", 类别="不存在的分类"),  # unknown_category blank: the order has no category
        _row("U-2", 答复时间="05.05.2023 10:00"),  # a reply time without a reply
        _row("U-3", 办结时间="06.05.2023 09:30"),  # a close time of an order not closed
    ], unknown_category="blank")
    run(source, "mapped", "--mapping", str(mapping))
    reasons = {w.line: (w.column, w.value, w.text(translate=False)) for w in ImportWarning.objects.all()}
    assert reasons == {
        2: ("类别", "不存在的分类", "未知的分类“不存在的分类”，已留空"),
        3: ("答复时间", "05.05.2023 10:00", "没有答复内容，答复时间已忽略"),
        4: ("办结时间", "2023-05-06 09:30", "工单未办结，办结时间已忽略"),
    }
    assert Ticket.objects.get(imported_from__external_id="U-1").category is None


def test_a_warning_value_that_looks_like_a_formula_is_defused_in_the_report(tmp_path: Path, taxonomy: None) -> None:
    source, mapping = _mapped(tmp_path, [_row("F-1", 来源="=HYPERLINK(\"http://x\")")])
    run(source, "mapped", "--mapping", str(mapping))
    row = report(tmp_path / "r.rejected.csv")[0]
    assert row["value"].startswith("'=") and row["kind"] == "警告"
    assert row["reason"].startswith("未知的渠道“=HYPERLINK")  # the reason does not start like a formula


def test_built_in_formats_warn_about_coordinates_and_channels(write_csv, taxonomy: None) -> None:
    path = write_csv("b.csv", [BALTIMORE_HEADER, [
        "B-1", "Pothole", "Carrier pigeon", "2023-01-05 10:00:00", "New", "", "", "DPW", "1 Main St", "", "-95",
        "-76.6", "21201"]])
    result = import_file(path, baltimore_parser(), source="baltimore")
    assert (result.imported, result.warned) == (1, 1)
    assert [(w.column, w.value) for w in result.warnings] == [("MethodReceived", "Carrier pigeon"), ("Latitude", "-95")]
    ticket = Ticket.objects.get()
    assert ticket.latitude is None and ticket.channel == Channel.PHONE


def test_the_import_page_shows_the_summary_and_the_warnings_to_administrators(
        tmp_path: Path, taxonomy: None, staff) -> None:  # noqa: ANN001
    source, mapping = _mapped(tmp_path, [_row("V-1", 纬度="95.5", 经度="120.1"), _row("V-2")])
    run(source, "mapped", "--mapping", str(mapping))
    run_row = ImportRun.objects.get()
    admin = Client()
    admin.force_login(staff["admin"])
    listing = admin.get("/data/imports/").content.decode()
    assert "导入 2 行，拒绝 0 行，警告 1 行" in listing
    page = admin.get(f"/data/imports/{run_row.pk}/").content.decode()
    assert "导入 2 行，拒绝 0 行，警告 1 行" in page and "经纬度超出范围（纬度应在 -90 至 90 之间），已忽略" in page
    assert "95.5" in page and Ticket.objects.get(imported_from__external_id="V-1").number in page
    with translation.override("en"):
        english = admin.get(f"/data/imports/{run_row.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Coordinate out of range (" in english and "must lie between -90 and 90): left out" in english
    assert "Imported 2 rows, rejected 0 rows, warnings on 1 rows" in english
    download = admin.get(f"/data/imports/{run_row.pk}/warnings.csv")
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(body.splitlines()))
    assert [(r["line"], r["kind"], r["column"], r["value"]) for r in rows] == [("2", "警告", "纬度", "95.5")]

    supervisor = Client()
    supervisor.force_login(staff["supervisor"])
    assert supervisor.get(f"/data/imports/{run_row.pk}/").status_code == 403
    assert supervisor.get("/data/imports/").status_code == 403


def test_teddy_warns_about_a_reply_time_without_a_reply_and_a_long_user_name(write_csv, taxonomy: None) -> None:
    path = write_csv("t.csv", raw=TEDDY_HEADER + f"9,{'U' * 60},路灯,2019/5/1 9:00:00,路灯不亮,,2019/5/3 10:00:00\n")
    lines = run(path, "teddy")
    assert lines[-2:] == ["导入 1 行，拒绝 0 行，警告 1 行", "imported=1 rejected=0 skipped=0"]
    assert sorted((w.column, w.text(translate=False)) for w in ImportWarning.objects.all()) == [
        ("留言用户", "内容超过 50 字，已截断"), ("答复时间", "没有答复内容，答复时间已忽略")]
    assert Ticket.objects.get().caller_name == "U" * 50
