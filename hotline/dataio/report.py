"""The import report: a CSV a person opens next to the source file, listing the rejected rows (类型 拒收) and
then the values of imported rows that were left out, shortened or replaced (类型 警告)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from hotline.dataio.rows import RowWarning
from hotline.dataio.services import Rejection
from hotline.workbench.queues.export import defuse

#: Columns of the report (line = physical line in the source file, header = line 1; kind = 拒收 or 警告;
#: column and value: for a warning, the column and its value as given, shortened).
COLUMNS = ("line", "external_id", "reason", "kind", "column", "value")
REJECTED = "拒收"
WARNED = "警告"


def default_report_path(source_file: Path | str) -> Path:
    """`data.csv` → `data.rejected.csv`, next to the input."""
    path = Path(source_file)
    return path.with_name(f"{path.stem}.rejected.csv")


def cell(value: str) -> str:
    """A text cell of the report as Excel will show it, never run: a cell starting like a formula (=, +,
    -, @) gets a leading quote (`defuse`, as in every export), a NUL character shows as ␀."""
    return defuse(str(value).replace("\x00", "␀"))


def report_rows(rejections: Iterable[Rejection], warnings: Iterable[RowWarning] = ()) -> Iterator[tuple]:
    """The report's rows after its header: the rejected rows, then the warnings. Every text that copies
    the file (id, reason, column, value) is defused (`cell`)."""
    for r in rejections:
        yield (r.line, cell(r.external_id), cell(r.reason), REJECTED, "", "")
    for w in warnings:
        yield (w.line, cell(w.external_id), cell(w.reason), WARNED, cell(w.column), cell(w.value))


def write_report(rejections: Iterable[Rejection], path: Path | str, warnings: Iterable[RowWarning] = ()) -> Path:
    """Write the rejected rows and the warnings (UTF-8 with BOM, so that Excel shows the Chinese reasons)."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        out.writerows(report_rows(rejections, warnings))
    return path
