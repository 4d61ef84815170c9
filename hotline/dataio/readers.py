"""Reading a source file row by row, CSV or Excel, each row with its physical line number.

Line numbers are those a person sees in a text editor (CSV) or in the spreadsheet (Excel): the header is
line 1, and a record whose quoted cell spans several lines is reported at the line where it starts.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
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
    _check_header(header)
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
        yield RawRow(start, dict(zip(header, record, strict=True)), _unnamed_cell(header, record))


def _check_header(header: list[str]) -> None:
    """FileError when a column name is repeated: the second column would silently replace the first."""
    positions: dict[str, list[int]] = {}
    for number, name in enumerate(header, start=1):
        if name:
            positions.setdefault(name, []).append(number)
    repeated = [f"「{name}」（第 {'、'.join(map(str, numbers))} 列）"
                for name, numbers in positions.items() if len(numbers) > 1]
    if repeated:
        raise FileError(f"表头中列名重复：{'；'.join(repeated)}，请删除多余的列或改名后再导入")


def _unnamed_cell(header: list[str], values: list[Any], *, letters: bool = False) -> str:
    """Why a row is refused when a cell under an empty column name holds something ('' otherwise): no
    column would read it, so it would be lost without a word."""
    from openpyxl.utils import get_column_letter

    for number, (name, value) in enumerate(zip(header, values, strict=False), start=1):
        if not name and value is not None and str(value).strip():
            where = f"第 {number} 列（{get_column_letter(number)} 列）" if letters else f"第 {number} 列"
            return f"{where}没有列名（表头为空）却有内容：请在第 1 行填写列名或删除该列后再导入"
    return ""


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
    """The records of the first sheet, read in read-only mode (memory flat), checked as a CSV's are.

    Read-only mode alone would lose data without a word, so the sheet's XML is also looked at as it
    streams (`_scan_sheet`, `_formula_gaps`): a stale `<dimension>` no longer cuts rows or columns off;
    a cell under no column name, or beyond the header, rejects its row like a CSV row with too many cells;
    a merged cell within one column is read in every row it covers (its top-left value), a merge across
    columns rejects the rows it covers; a formula without a computed value rejects its row.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileError(f"无法读取 Excel 文件：{exc}") from exc
    gaps: Iterator[tuple[int, frozenset[int]]] = iter(())
    try:
        sheet = book.worksheets[0]
        member = sheet._worksheet_path  # noqa: SLF001 - where the sheet's XML lies in the archive
        scan = _scan_sheet(path, member)
        sheet.reset_dimensions()  # a stale <dimension> would cut rows and columns off: read every cell there is
        rows = sheet.iter_rows(values_only=True)
        try:
            header = [str(h).strip() if h is not None else "" for h in next(rows)]
        except StopIteration:
            raise FileError("文件为空") from None
        if not any(header):
            raise FileError("第 1 行应为表头")
        _check_header(header)
        named = max((i + 1 for i, h in enumerate(header) if h), default=0)
        merges = _Merges(scan.merges)
        if scan.has_formulas:
            gaps = _formula_gaps(path, member)
        gap: tuple[int, frozenset[int]] | None = next(gaps, None)
        for line, found in enumerate(rows, start=2):
            while gap is not None and gap[0] < line:
                gap = next(gaps, None)
            no_result = gap[1] if gap is not None and gap[0] == line else frozenset()
            values = list(found or ())
            blank = all(_empty(v) for v in values) and not no_result
            inherited, spans = merges.at(line, values, no_result)
            if blank:
                continue
            for column, (value, unknown) in inherited.items():
                while len(values) < column:
                    values.append(None)
                if _empty(values[column - 1]):
                    values[column - 1] = value
                    if unknown:
                        no_result |= {column}
            padded = values + [None] * (len(header) - len(values))  # every named column, as in a CSV
            cells = {h: ("" if v is None else v) for h, v in zip(header, padded, strict=False) if h}
            error = _xlsx_problem(line, header, named, values, no_result, spans)
            yield RawRow(line, cells, error)
    finally:
        close = getattr(gaps, "close", None)
        if close is not None:
            close()
        book.close()


def _empty(value: Any) -> bool:
    return value is None or str(value).strip() == ""


def _xlsx_problem(line: int, header: list[str], named: int, values: list[Any], no_result: frozenset[int],
                  spans: list[str]) -> str:
    """Why an Excel row cannot be read as it stands ('' when it can)."""
    from openpyxl.utils import get_column_letter

    if spans:
        return (f"合并单元格 {'、'.join(spans)} 跨越多列（或含表头）：无法判断每一列的值，"
                f"请取消合并并填好每个单元格后再导入")
    filled = sorted({i + 1 for i, v in enumerate(values) if not _empty(v)} | no_result)
    if filled and filled[-1] > named:
        return f"列数不符：应为 {named} 列，实际 {filled[-1]} 列（第 {line} 行）"
    problem = _unnamed_cell(header, values, letters=True)
    if problem:
        return problem
    if no_result:
        column = min(no_result)
        return (f"「{header[column - 1]}」列（{get_column_letter(column)}{line}）的公式没有计算结果，"
                f"请在 Excel 中打开并保存后再导入")
    return ""


class _Merges:
    """The merged ranges of a sheet, walked row by row: what each row inherits, which rows are refused."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]) -> None:
        from openpyxl.utils import get_column_letter

        self.starts: dict[int, list[tuple[int, int, int]]] = {}  # first row → (first column, last column, last row)
        self.across: list[tuple[int, str]] = []  # (last row, range) of merges spanning columns or the header
        self.down: dict[int, tuple[int, Any, bool]] = {}  # column → (last row, top-left value, no result)
        for min_col, min_row, max_col, max_row in ranges:
            name = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
            if max_row < 2 or (max_row == min_row and max_col == min_col):
                continue  # within the header, or a single cell: nothing to read differently
            if min_row == 1:
                self.across.append((max_row, name))  # the header merged with data rows
            else:
                self.starts.setdefault(min_row, []).append((min_col, max_col, max_row))

    def at(self, line: int, values: list[Any],
           no_result: frozenset[int]) -> tuple[dict[int, tuple[Any, bool]], list[str]]:
        """The values this row (line >= 2) inherits from a merge above it in the same column (by column:
        the top-left value, and whether it is a formula without a result), and the merges across columns
        (or including the header) that cover it. `values` and `no_result` are the row as read."""
        from openpyxl.utils import get_column_letter

        inherited: dict[int, tuple[Any, bool]] = {}
        for column, (last, value, unknown) in list(self.down.items()):
            if last < line:
                del self.down[column]
            else:
                inherited[column] = (value, unknown)
        for min_col, max_col, max_row in self.starts.pop(line, ()):
            if max_col > min_col:
                name = f"{get_column_letter(min_col)}{line}:{get_column_letter(max_col)}{max_row}"
                self.across.append((max_row, name))
            else:
                value = values[min_col - 1] if min_col <= len(values) else None
                self.down[min_col] = (max_row, value, min_col in no_result)
        self.across = [(last, name) for last, name in self.across if last >= line]
        return inherited, [name for _, name in self.across]


@dataclass
class _SheetScan:
    """What a quick look at a sheet's XML found: whether it holds formulas, and its merged ranges."""

    has_formulas: bool
    merges: list[tuple[int, int, int, int]]  # (min_col, min_row, max_col, max_row)


#: An element `<f>` (a formula), with or without a namespace prefix.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
#: A merged range `<mergeCell ref="A2:A5"/>`, with or without a namespace prefix.
_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]{0,200}?\bref=[\"']([A-Za-z0-9:$]{2,40})[\"']")
#: Bytes read at a time, and kept from one read to the next (longer than any tag looked for).
_CHUNK = 1 << 20
_OVERLAP = 512


def _scan_sheet(path: Path, member: str) -> _SheetScan:
    """Stream the sheet's XML once as bytes: formulas present? which merged ranges? Memory flat (the
    merged ranges are listed at the end of the XML; cell texts cannot hold a raw `<`, so no false match)."""
    from openpyxl.utils import range_boundaries

    has_formulas = False
    refs: set[bytes] = set()
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as xml:
            buffer = b""
            while chunk := xml.read(_CHUNK):
                buffer = buffer[-_OVERLAP:] + chunk
                has_formulas = has_formulas or _FORMULA_TAG.search(buffer) is not None
                refs.update(m.group(1) for m in _MERGE_TAG.finditer(buffer))
    except (OSError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise FileError(f"无法读取 Excel 文件：{exc}") from exc
    merges = []
    for ref in refs:
        try:
            merges.append(range_boundaries(ref.decode("ascii").replace("$", "")))
        except (ValueError, TypeError):
            continue  # not a range: nothing to fill
    return _SheetScan(has_formulas, [m for m in merges if None not in m])


def _formula_gaps(path: Path, member: str) -> Iterator[tuple[int, frozenset[int]]]:
    """The rows (in order) holding a formula without a computed value (`<f>` without a `<v>`, or with an
    empty one that is not an empty text result, as in a file written by a program and never saved in
    Excel), each with those cells' columns. Streamed with expat's callbacks (no tree is built)."""
    from xml.parsers import expat

    from openpyxl.utils.cell import coordinate_to_tuple

    class State:
        row, ref, offset = 0, "", 0  # the row; the last cell reference seen and cells since (cells without r)
        columns: set[int] = set()
        formula, value, kind, in_value = False, None, None, False

    state = State()
    found: list[tuple[int, frozenset[int]]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name.rsplit(" ", 1)[-1]
        if tag == "c":
            ref = attrs.get("r")
            state.ref, state.offset = (ref, 0) if ref else (state.ref, state.offset + 1)
            state.formula, state.value, state.kind = False, None, attrs.get("t")
        elif tag == "f":
            state.formula = True
        elif tag == "v":
            state.value, state.in_value = "", True
        elif tag == "row":
            row = attrs.get("r")
            state.row = int(float(row)) if row else state.row + 1
            state.ref, state.offset, state.columns = "", 0, set()

    def end(name: str) -> None:
        tag = name.rsplit(" ", 1)[-1]
        if tag == "v":
            state.in_value = False
        elif tag == "c":
            if state.formula and (state.value is None or (not state.value.strip() and state.kind != "str")):
                column = coordinate_to_tuple(state.ref)[1] if state.ref else 0
                state.columns.add(column + state.offset)
        elif tag == "row" and state.columns:
            found.append((state.row, frozenset(state.columns)))

    def text(data: str) -> None:
        if state.in_value:
            state.value += data

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    with zipfile.ZipFile(path) as archive, archive.open(member) as xml:
        while chunk := xml.read(_CHUNK):
            parser.Parse(chunk, False)
            yield from found
            found.clear()
        parser.Parse(b"", True)
        yield from found
