"""`hotline import`: a file without a column every row needs is one clear error, and options meant for
another format are refused, not ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError

from hotline.dataio.formats import REQUIRED_COLUMNS, missing_columns
from hotline.dataio.models import ImportRun
from hotline.dataio.tests.test_import import EXAMPLES, run
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("fmt", "missing"), [
    ("teddy", "留言详情、留言时间"),
    ("baltimore", "ServiceRequestNum 或 SRRecordID、SRType、SRStatus、CreatedDate"),
    ("nyc", "unique_key、complaint_type 或 descriptor、status、created_date"),
])
def test_a_file_without_the_formats_columns_is_refused_as_a_whole(write_csv, fmt: str, missing: str) -> None:
    path = write_csv("nocols.csv", [["foo", "bar"], ["1", "2"], ["3", "4"]])
    with pytest.raises(CommandError, match=f"文件缺少列：{missing}（文件中的列：foo, bar）"):
        run(path, fmt)
    assert not ImportRun.objects.exists() and not Ticket.objects.exists()
    assert not (path.parent / "nocols.rejected.csv").exists()  # no report of N rows rejected for one reason


def test_alternative_and_optional_columns(write_csv) -> None:
    assert missing_columns(["SRRecordID", "SRType", "SRStatus", "CreatedDate"], REQUIRED_COLUMNS["baltimore"]) == []
    assert missing_columns(["留言详情"], REQUIRED_COLUMNS["teddy"]) == ["留言时间"]
    # A teddy file without 留言时间 is fine with a default date: only 留言详情 is then required.
    path = write_csv("labeled.csv", [["留言编号", "留言详情"], ["1", "路灯坏了"]])
    assert run(path, "teddy", "--default-date", "2019-12-31")[-1] == "imported=1 rejected=0 skipped=0"


def test_a_mapped_file_must_have_every_column_its_mapping_names(write_csv, taxonomy: None) -> None:
    spec = json.loads((EXAMPLES / "riverside.json").read_text(encoding="utf-8"))
    columns = list(spec["columns"].values())
    dropped = spec["columns"]["reply_text"]  # optional, but named: without it replies would vanish silently
    path = write_csv("r.csv", [[c for c in columns if c != dropped], ["x"] * (len(columns) - 1)])
    with pytest.raises(CommandError, match=f"文件缺少列：{dropped}"):
        run(path, "mapped", "--mapping", str(EXAMPLES / "riverside.json"))
    assert not ImportRun.objects.exists()


def test_options_of_another_format_are_refused(write_csv, tmp_path: Path) -> None:
    path = write_csv("nyc.csv", [["unique_key"], ["1"]])
    with pytest.raises(CommandError, match="--mapping 只用于 --format mapped"):
        run(path, "nyc", "--mapping", str(EXAMPLES / "riverside.json"))
    with pytest.raises(CommandError, match="--default-date 只用于 --format teddy"):
        run(path, "nyc", "--default-date", "2019-12-31")
    with pytest.raises(CommandError, match="--report 为空"):
        run(path, "nyc", "--report", "")
    assert not ImportRun.objects.exists()


def test_an_empty_file_is_refused_before_a_run_is_recorded(write_csv) -> None:
    path = write_csv("empty.csv", raw="")
    with pytest.raises(CommandError, match="文件为空"):
        run(path, "teddy")
    assert not ImportRun.objects.exists()
