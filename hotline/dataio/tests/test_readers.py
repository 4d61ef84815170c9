"""Reading files: physical line numbers, broken rows, encodings, Excel."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from hotline.dataio.readers import FileError, read_rows


def test_line_numbers_count_physical_lines_of_multi_line_cells(write_csv) -> None:
    path = write_csv("m.csv", raw='id,text\n1,"two\nlines"\n2,one line\n3,"three\n\nlines"\n4,end\n')
    rows = list(read_rows(path))
    assert [(r.line, r.cells["id"]) for r in rows] == [(2, "1"), (4, "2"), (5, "3"), (8, "4")]
    assert rows[0].cells["text"] == "two\nlines"


def test_a_row_with_the_wrong_number_of_columns_is_reported_with_its_lines(write_csv) -> None:
    path = write_csv("m.csv", raw='id,text\n1,ok\n2,"broken\nrow",extra\n3,ok\n')
    rows = list(read_rows(path))
    assert [r.line for r in rows] == [2, 3, 5]
    assert "列数不符" in rows[1].error and "3-4" in rows[1].error
    assert rows[2].cells == {"id": "3", "text": "ok"}


def test_a_runaway_quote_stops_with_a_clear_error(write_csv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hotline.dataio.readers.FIELD_LIMIT", 50)
    path = write_csv("m.csv", raw='id,text\n1,ok\n2,"never closed\n' + "x" * 200 + "\n3,lost\n")
    rows = list(read_rows(path))
    assert rows[0].cells["id"] == "1"
    assert rows[1].line == 3 and "格式错误" in rows[1].error


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_encodings(write_csv, encoding: str) -> None:
    path = write_csv("e.csv", raw="留言编号,留言详情\n1,噪音扰民\n", encoding=encoding)
    assert [r.cells for r in read_rows(path)] == [{"留言编号": "1", "留言详情": "噪音扰民"}]


def test_excel_rows_have_their_sheet_line_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "text"])
    sheet.append([1, "a"])
    sheet.append([None, None])
    sheet.append([3, "c"])
    path = tmp_path / "x.xlsx"
    book.save(path)
    assert [(r.line, r.cells["text"]) for r in read_rows(path)] == [(2, "a"), (4, "c")]


def test_missing_and_empty_files_are_refused(tmp_path: Path, write_csv) -> None:
    with pytest.raises(FileError):
        list(read_rows(tmp_path / "nope.csv"))
    with pytest.raises(FileError):
        list(read_rows(write_csv("empty.csv", raw="")))
