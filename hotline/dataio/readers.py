"""Reading a source file row by row, CSV or Excel, each row with its physical line number.

Line numbers are those a person sees in a text editor (CSV) or in the spreadsheet (Excel): the header is
line 1, and a record whose quoted cell spans several lines is reported at the line where it starts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Encodings tried in order for CSV files (GB18030 is a superset of GBK, for Chinese files saved by Excel).
ENCODINGS = ("utf-8-sig", "gb18030")
#: Largest cell the CSV reader accepts (a runaway quote swallowing the rest of the file stops here).
FIELD_LIMIT = 1_000_000
#: The first bytes of an old binary Excel (.xls, OLE2) file, which is not read.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLD_EXCEL = "不支持旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后再导入"


class FileError(Exception):
    """The file as a whole cannot be read (missing, empty, undecodable, no header)."""


@dataclass
class RawRow:
    """One record of the file: its first physical line, its cells by column name, or why it is broken."""

    line: int
    cells: dict[str, Any]
    error: str = ""


def decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 with or without BOM, else GBK/GB18030."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError("无法识别文件编码（支持 UTF-8 与 GBK）")


def read_rows(path: Path | str) -> Iterator[RawRow]:
    """The records of a .csv or .xlsx file, header excluded."""
    path = Path(path)
    if not path.exists():
        raise FileError(f"文件不存在：{path}")
    if not path.is_file():
        raise FileError(f"不是文件：{path}")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    if data.startswith(OLE_MAGIC):
        raise FileError(OLD_EXCEL)
    try:
        text = decode(data)
    except FileError:
        if path.suffix.lower() == ".xls":  # a text file named .xls is read as CSV; a binary one is not
            raise FileError(OLD_EXCEL) from None
        raise
    return _csv_rows(text)


def _csv_rows(text: str) -> Iterator[RawRow]:
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileError("文件为空") from None
    if not any(header):
        raise FileError("第 1 行应为表头")
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRow(start, {}, f"第 {start} 行起格式错误，其后内容无法解析：{exc}")
            return
        previous_end = reader.line_num
        if not record or not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            span = f"{start}-{previous_end}" if previous_end > start else str(start)
            cells = dict(zip(header, record, strict=False))  # kept for the report's raw id
            if previous_end > start and len(record) < len(header) and _swallowed_rows(record, len(header)):
                yield from _unclosed_quote(text, header, cells, start, previous_end)
                continue
            yield RawRow(start, cells, f"列数不符：应为 {len(header)} 列，实际 {len(record)} 列（第 {span} 行）")
            continue
        yield RawRow(start, dict(zip(header, record, strict=True)))


def _swallowed_rows(record: list[str], columns: int) -> bool:
    """Whether a short record's cells hold whole lines that look like rows (a quote opened and never closed)."""
    return any(line.count(",") >= columns - 1 for cell in record for line in cell.split("\n")[1:])


def _unclosed_quote(text: str, header: list[str], cells: dict[str, str], start: int, end: int) -> Iterator[RawRow]:
    """Every physical line a runaway quote covered, each rejected (with the id its first cell shows)."""
    yield RawRow(start, cells, f"引号未闭合：第 {start}-{end} 行被读成了一条记录，请检查本行的引号")
    lines = io.StringIO(text, newline="").readlines()[start:end]  # lines start+1 … end
    for line, raw in enumerate(lines, start=start + 1):
        if not raw.strip():
            continue
        try:
            swallowed = dict(zip(header, next(csv.reader([raw])), strict=False))
        except (csv.Error, StopIteration):
            swallowed = {}
        yield RawRow(line, swallowed, f"位于第 {start} 行未闭合的引号之内（第 {start}-{end} 行），未能读取")


def _xlsx_rows(path: Path) -> Iterator[RawRow]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileError(f"无法读取 Excel 文件：{exc}") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise FileError("文件为空") from None
    for line, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        cells = {h: ("" if v is None else v) for h, v in zip(header, values, strict=False) if h}
        yield RawRow(line, cells)
    book.close()
