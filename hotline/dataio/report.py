"""The report of rejected rows: a CSV a person opens next to the source file."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from hotline.dataio.services import Rejection
from hotline.workbench.queues.export import defuse

#: Columns of the report (line = physical line in the source file, header = line 1).
COLUMNS = ("line", "external_id", "reason")


def default_report_path(source_file: Path | str) -> Path:
    """`data.csv` → `data.rejected.csv`, next to the input."""
    path = Path(source_file)
    return path.with_name(f"{path.stem}.rejected.csv")


def cell(value: str) -> str:
    """A text cell of the report as Excel will show it, never run: a cell starting like a formula (=, +,
    -, @) gets a leading quote (`defuse`, as in every export), a NUL character shows as ␀."""
    return defuse(str(value).replace("\x00", "␀"))


def write_report(rejections: Iterable[Rejection], path: Path | str) -> Path:
    """Write the rejected rows (UTF-8 with BOM, so that Excel shows the Chinese reasons); the source's
    id and the reason are defused (`cell`), since they copy what the file held."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for r in rejections:
            out.writerow((r.line, cell(r.external_id), cell(r.reason)))
    return path
