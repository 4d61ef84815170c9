"""Bad input refused with a clear reason: implausible dates, bad paths, bad mapping files, broken quotes."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.dataio.export import parse_bound
from hotline.dataio.mapping import MappingError, load_mapping
from hotline.dataio.models import ImportRun
from hotline.dataio.readers import FileError, read_rows
from hotline.dataio.tests.test_import import BROKEN_TEDDY, EXAMPLES, SHANGHAI, report, run
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db

NYC_HEADER = ["unique_key", "created_date", "closed_date", "agency_name", "complaint_type", "descriptor", "status",
              "due_date", "resolution_description"]


def _nyc_row(key: str, created: str = "2023-12-10T12:00:00.000", due: str = "", closed: str = "") -> list[str]:
    status = "Closed" if closed else "Open"
    return [key, created, closed, "Department of Sanitation", "Derelict Vehicles", "Derelict Vehicles", status,
            due, "Tagged." if closed else ""]


def test_rows_with_implausible_dates_are_rejected_and_the_others_imported(write_csv, tmp_path: Path,
                                                                          frozen_now) -> None:
    path = write_csv("nyc.csv", [NYC_HEADER, _nyc_row("T0"), _nyc_row("T1", due="9999-12-31T23:59:59.000"),
                                 _nyc_row("T2", created="0001-01-01"), _nyc_row("T3"),
                                 _nyc_row("T4", created="2025-03-06T12:00:00"),
                                 _nyc_row("T5", closed="9999-12-31T00:00:00"), _nyc_row("T6", due="2034-01-01")])
    assert run(path, "nyc")[-1] == "imported=3 rejected=4 skipped=0"
    rejected = {r["external_id"]: (r["line"], r["reason"]) for r in report(tmp_path / "nyc.rejected.csv")}
    assert rejected["T1"][0] == "3"
    assert rejected["T1"][1].startswith("时限超出合理范围：9999-12-31（应在 1990-01-01 至 2035-03-")
    assert rejected["T2"][0] == "4" and rejected["T2"][1].startswith("受理时间超出合理范围：0001-01-01")
    assert rejected["T4"][1].startswith("受理时间超出合理范围")  # two days ahead of now
    assert rejected["T5"][1].startswith("办结时间超出合理范围")
    assert sorted(Ticket.objects.values_list("imported_from__external_id", flat=True)) == ["T0", "T3", "T6"]
    assert all(len(number) == 15 for number in Ticket.objects.values_list("number", flat=True))
    assert ImportRun.objects.get().finished_at is not None


def test_an_explicit_utc_offset_in_mapped_data_is_kept(tmp_path: Path, taxonomy: None) -> None:
    spec = json.loads((EXAMPLES / "riverside.json").read_text(encoding="utf-8"))
    spec["date_formats"] = ["%Y-%m-%d %H:%M%z"]
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    source = tmp_path / "r.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(spec["columns"].values())
        out.writerow(["Z-1", "t", "内容", "2023-05-03 23:10+0000", "待派单", "", "", "", "", "", "", "", "", "电话"])
        out.writerow(["Z-2", "t", "内容", "2023-05-03 23:10", "待派单", "", "", "", "", "", "", "", "", "电话"])
    # The second row has no offset: no format matches, it is rejected.
    assert run(source, "mapped", "--mapping", str(mapping))[-1] == "imported=1 rejected=1 skipped=0"
    ticket = Ticket.objects.get()
    assert ticket.registered_at == datetime(2023, 5, 3, 23, 10, tzinfo=UTC)
    assert ticket.registered_at.astimezone(SHANGHAI).hour == 7


def test_a_report_path_that_cannot_be_written_is_refused_before_importing(write_csv, tmp_path: Path) -> None:
    path = write_csv("teddy.csv", raw=BROKEN_TEDDY)
    with pytest.raises(CommandError, match="文件夹不存在"):
        run(path, "teddy", "--report", str(tmp_path / "missing" / "r.csv"))
    with pytest.raises(CommandError, match="是文件夹"):
        run(path, "teddy", "--report", str(tmp_path))
    assert not Ticket.objects.exists() and not ImportRun.objects.exists()


def test_a_folder_instead_of_a_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="不是文件"):
        run(tmp_path, "nyc")
    with pytest.raises(CommandError, match="无法读取映射文件"):
        run(EXAMPLES / "riverside.csv", "mapped", "--mapping", str(tmp_path))


def _mapping(tmp_path: Path, **changes: object) -> Path:
    spec = json.loads((EXAMPLES / "riverside.json").read_text(encoding="utf-8"))
    spec.update(changes)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("changes", "message"), [
    ({"defaults": {"request_type": "rant"}}, "rant"),
    ({"defaults": {"channel": "telegram"}}, "telegram"),
    ({"defaults": {"colour": "red"}}, "colour"),
    ({"defaults": ["x"]}, "defaults"),
    ({"defaults": {"channel": 1}}, "defaults"),
    ({"timezone": 8}, "时区"),
    ({"date_formats": [1, 2]}, "date_formats"),
    ({"date_formats": {"a": 1}}, "date_formats"),
    ({"columns": {"external_id": ["a"], "description": "d", "registered_at": "t", "status": "s"}}, "columns"),
])
def test_mapping_values_of_the_wrong_kind_are_refused(tmp_path: Path, changes: dict, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        load_mapping(_mapping(tmp_path, **changes))


def test_valid_defaults_are_kept(tmp_path: Path) -> None:
    mapping = load_mapping(_mapping(tmp_path, defaults={"channel": "web", "request_type": "consult", "unit": "X"}))
    assert mapping.defaults == {"channel": "web", "request_type": "consult", "unit": "X"}


def test_an_unclosed_quote_rejects_every_line_it_swallowed(write_csv) -> None:
    rows = "".join(f"Q-{i},desc{i},2023-05-03 23:10\n" for i in range(3, 6))
    path = write_csv("q.csv", raw='id,text,time\nQ-1,ok,2023-05-03 23:10\nQ-2,"never closed,2023-05-03 23:10\n'
                     + rows)
    read = list(read_rows(path))
    assert [(r.line, r.cells.get("id")) for r in read] == [(2, "Q-1"), (3, "Q-2"), (4, "Q-3"), (5, "Q-4"),
                                                           (6, "Q-5")]
    assert read[0].error == "" and "引号未闭合：第 3-6 行" in read[1].error
    assert all("未闭合的引号" in r.error for r in read[2:])


def test_a_multi_line_cell_with_an_extra_column_is_still_a_column_count_error(write_csv) -> None:
    path = write_csv("m.csv", raw='id,text\n1,"two\nlines",extra\n')
    assert "列数不符" in next(read_rows(path)).error


def test_an_old_excel_file_is_explained(write_csv) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4
    path = write_csv("old.xls", raw="")
    path.write_bytes(ole)
    with pytest.raises(FileError, match="另存为 .xlsx 或 CSV"):
        read_rows(path)
    path.write_bytes(bytes([0x0A, 0xC1, 0xE5, 0x5B, 0x39, 0x4E, 0x43, 0xE9, 0x91, 0xB5]) * 20)
    with pytest.raises(FileError, match="另存为 .xlsx 或 CSV"):
        read_rows(path)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01T00:00"])
def test_export_bounds_outside_sane_years_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="超出范围"):
        parse_bound(value, end=True)
    assert parse_bound("2100-12-30", end=True) - parse_bound("2100-12-30", end=False) == timedelta(days=1)


def test_export_command_refuses_absurd_dates_and_unwritable_outputs(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="超出范围"):
        call_command("export", "--format", "open311-csv", "--output", "-", "--until", "9999-12-31",
                     stdout=StringIO(), stderr=StringIO())
    for output, message in ((tmp_path / "missing" / "x.csv", "--output：文件夹不存在"), (tmp_path, "是文件夹")):
        with pytest.raises(CommandError, match=message):
            call_command("export", "--format", "json", "--output", str(output), stderr=StringIO())


def test_export_page_explains_absurd_dates(staff, frozen_now) -> None:
    from django.test import Client

    client = Client()
    client.force_login(staff["supervisor"])
    response = client.get("/data/export/", {"format": "open311-csv", "until": "9999-12-31"})
    assert response.status_code == 400 and "超出范围" in response.content.decode()


def test_mapped_without_a_mapping_file_is_refused_in_chinese(tmp_path) -> None:  # noqa: ANN001
    from django.core.management import call_command
    from django.core.management.base import CommandError

    source = tmp_path / "x.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--format mapped 须同时指定映射文件 --mapping"):
        call_command("import", str(source), "--format", "mapped")


def test_a_proactive_row_keeps_the_proactive_rules(tmp_path: Path, taxonomy: None) -> None:
    """未诉先办 rows: no caller, and never closed by the centre without a unit (no 直接答复 of a proactive order)."""
    spec = json.loads((EXAMPLES / "riverside.json").read_text(encoding="utf-8"))
    spec["channel_map"]["主动发现"] = "proactive"
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    source = tmp_path / "p.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(spec["columns"].values())
        row = ["", "巡查发现", "井盖缺失", "03.05.2023 09:10", "待派单", "", "", "", "", "", "", "", "", "主动发现"]
        out.writerow(["P-1", *row[1:]])
        out.writerow(["P-2", *row[1:11], "张三", "13800138000", "主动发现"])
        out.writerow(["P-3", *row[1:4], "已办结", "", "", "", "", "04.05.2023 10:00", *row[10:]])
    assert run(source, "mapped", "--mapping", str(mapping))[-1] == "imported=1 rejected=2 skipped=0"
    reasons = {r["external_id"]: r["reason"] for r in report(tmp_path / "p.rejected.csv")}
    assert reasons["P-2"].startswith("主动发现（未诉先办）工单没有来电群众")
    assert reasons["P-3"].startswith("主动发现（未诉先办）工单已办结却没有承办单位")
    assert list(Ticket.objects.values_list("channel", "caller_phone")) == [("proactive", "")]
