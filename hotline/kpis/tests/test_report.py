"""`hotline report`: a valid workbook and a valid PDF with the month's figures; clear errors for bad input."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from hotline.kpis.bulletin import data
from hotline.kpis.periods import parse_month
from hotline.kpis.tests.scenario import Month, at, build
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def month() -> Month:
    return build()


def test_xlsx_has_every_section_and_the_figures(month: Month, tmp_path: Path) -> None:
    out = tmp_path / "bulletin.xlsx"
    call_command("report", month="2025-03", fmt="xlsx", output=str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["概览", "考核排名", "超期工单", "重办工单", "热点问题", "每日受理量"]
    overview = {row[0]: row for row in wb["概览"].iter_rows(values_only=True) if row[0]}
    assert overview["受理量"][1:4] == (9, 0, "+9")
    assert overview["直接答复率"][1] == pytest.approx(1 / 8)
    assert overview["按时办结率"][4:6] == (2, 6)
    assert overview["满意率"][1] == pytest.approx(1.9 / 3)
    assert wb["概览"]._charts, "native charts on the overview"
    ranking = [row for row in wb["考核排名"].iter_rows(values_only=True)]
    names = [row[1] for row in ranking]
    assert month.cast.lead.name in names and month.other.name in names
    overdue = {row[0]: row for row in wb["超期工单"].iter_rows(min_row=3, values_only=True)}
    assert overdue[month.cast.lead.name][1:4] == (3, 2, 5)  # t2, t3, t4 late (t3, t4 still open) of 5
    rehandled = {row[0]: row for row in wb["重办工单"].iter_rows(min_row=3, values_only=True)}
    assert rehandled[month.cast.lead.name][1:3] == (1, 5)
    daily = list(wb["每日受理量"].iter_rows(min_row=2, values_only=True))
    assert len(daily) == 31 and sum(n for _d, n in daily) == 9


def test_overdue_counts_open_orders_separately(month: Month) -> None:
    gathered = data.gather(parse_month("2025-03"))
    line = next(r for r in gathered.overdue if r.unit == month.cast.lead)
    # t2 replied late, t3 never replied, t4 re-handled and not replied again: 3 late, 2 of them still open.
    assert (line.count, line.extra, line.of) == (3, 2, 5)


def test_overdue_leaves_out_orders_paused_for_the_citizen(month: Month) -> None:
    make_ticket(Status.AWAITING_CITIZEN, cast=month.cast, at=at(4))  # paused before its deadline
    gathered = data.gather(parse_month("2025-03"))
    line = next(r for r in gathered.overdue if r.unit == month.cast.lead)
    assert (line.count, line.extra, line.of) == (3, 2, 5)


def test_pdf_is_a_real_pdf_with_pages(month: Month, tmp_path: Path) -> None:
    out = tmp_path / "bulletin.pdf"
    call_command("report", month="2025-03", fmt="pdf", output=str(out))
    content = out.read_bytes()
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b", content)) >= 3
    assert b"STSong-Light" in content  # the built-in CJK font, nothing downloaded


def test_format_follows_the_file_extension(month: Month, tmp_path: Path) -> None:
    out = tmp_path / "b.xlsx"
    call_command("report", month="2025-03", output=str(out))
    assert out.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("month_text", ["2025-13", "2025/03", "march"])
def test_bad_month_is_a_clear_error(month_text: str, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="月份"):
        call_command("report", month=month_text, fmt="pdf", output=str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_bad_month_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["hotline", "report", "--month", "2025-13", "--output", str(tmp_path / "x.pdf")]).execute()
    assert exit_info.value.code != 0
    assert "月份" in capsys.readouterr().err


def test_unknown_format_and_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="格式"):
        call_command("report", month="2025-03", output=str(tmp_path / "x.doc"))
    with pytest.raises(CommandError, match="目录"):
        call_command("report", month="2025-03", fmt="pdf", output=str(tmp_path / "no" / "x.pdf"))


def test_hot_spots_fall_back_to_category_by_district(month: Month, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ImportError("no hot spots here")

    monkeypatch.setattr(data, "import_module", broken)
    spots, source = data.hotspots(parse_month("2025-03"), parse_month("2025-02"))
    assert "分类 × 区" in source
    assert spots[0].title == month.tickets["t1"].category.full_name and spots[0].orders == 2
    assert spots[0].growth == "新增"


def test_the_headline_and_the_pdf_rankings_carry_first_resolution(month: Month) -> None:
    from reportlab.platypus import Table

    from hotline.kpis.bulletin.pdf import _rankings

    gathered = data.gather(parse_month("2025-03"))
    names = [h.name for h in gathered.headline]
    assert names.index("解决率") < names.index("首次解决率") < names.index("满意率")
    assert "网上受理及时率" in names and "会商意见及时率" in names
    tables = [flowable for flowable in _rankings(gathered) if isinstance(flowable, Table)]
    assert tables and all("首次解决率" in table._cellvalues[0] for table in tables)
    assert all(sum(table._colWidths) <= 180 * 72 / 25.4 + 0.01 for table in tables)  # A4 less 15 mm margins
