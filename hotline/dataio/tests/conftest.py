"""Fixtures of the import/export tests: the shipped taxonomy, the real data sets, small files to write."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

#: The real public data sets, beside the clone (../shared/data), as in CI.
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"


def shared_file(relative: str) -> Path:
    """A file of ../shared/data, or skip the test when the folder is not there."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture
def taxonomy(db: None) -> None:
    from hotline.taxonomy.services import load_taxonomy

    load_taxonomy()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (header first) to a CSV in a temporary folder; `raw=` writes the text as it is."""

    def write(name: str, rows: list[list[str]] | None = None, *, raw: str | None = None,
              encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if raw is not None:
            path.write_bytes(raw.encode(encoding))
            return path
        with path.open("w", encoding=encoding, newline="") as fh:
            csv.writer(fh).writerows(rows or [])
        return path

    return write


def slice_csv(source: Path, target: Path, records: int, step: int = 1) -> int:
    """Copy every `step`-th of the first `records * step` records of a CSV (multi-line cells kept); returns count."""
    with source.open(encoding="utf-8-sig", newline="") as fh, target.open("w", encoding="utf-8", newline="") as out:
        reader, writer = csv.reader(fh), csv.writer(out)
        writer.writerow(next(reader))
        count = 0
        for i, row in enumerate(reader):
            if i >= records * step:
                break
            if i % step == 0:
                writer.writerow(row)
                count += 1
    return count
