"""The bulletin: no caller's numbers in its hot spots, the first month in range, rates shown as percentages."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.hotspots.models import Hotspot, HotspotRun
from hotline.hotspots.services import month_window
from hotline.kpis.bulletin import data, render
from hotline.kpis.periods import parse_month
from hotline.kpis.tests.scenario import Month, build
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PHONE, ID_CARD = "13812345678", "430102198001011234"


@pytest.fixture
def month() -> Month:
    return build()


def _leader() -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    return client


def test_hot_spots_in_the_bulletin_hide_callers_numbers(month: Month, frozen_now: datetime) -> None:
    window = month_window("2025-03")
    run = HotspotRun.objects.create(kind="month", start=window.start, end=window.end, computed_at=frozen_now)
    Hotspot.objects.create(run=run, rank=1, heat=9.0, title=f"烧烤店噪音 联系人张伟 {PHONE} 身份证{ID_CARD}",
                           place=f"幸福里 {PHONE}", first_at=frozen_now, last_at=frozen_now, orders=4, people=4)
    spots, _source = data.hotspots(parse_month("2025-03"), parse_month("2025-02"))
    assert spots[0].title == "烧烤店噪音 联系人张** 138****5678 身份证430102********1234"
    assert spots[0].place == "幸福里 138****5678"
    response = _leader().get(reverse("kpis-bulletin"), {"month": "2025-03", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["热点问题"]
    cells = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    assert PHONE not in cells and ID_CARD not in cells and "138****5678" in cells
    assert render(parse_month("2025-03"), "pdf").startswith(b"%PDF")


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_the_first_month_in_range_has_no_comparison(db: None, frozen_now: datetime, fmt: str,
                                                     tmp_path: Path) -> None:
    response = _leader().get(reverse("kpis-bulletin"), {"month": "2000-01", "format": fmt})
    assert response.status_code == 200
    out = tmp_path / f"b.{fmt}"
    call_command("report", month="2000-01", fmt=fmt, output=str(out))
    if fmt == "xlsx":
        overview = openpyxl.load_workbook(out)["概览"]
        assert "对比上月 —" in overview["A2"].value
        rows = {row[0]: row for row in overview.iter_rows(min_row=5, values_only=True) if row[0]}
        assert rows["受理量"][1:4] == (0, None, "—")


def test_rates_by_unit_are_percentages(month: Month, tmp_path: Path) -> None:
    out = tmp_path / "bulletin.xlsx"
    call_command("report", month="2025-03", fmt="xlsx", output=str(out))
    wb = openpyxl.load_workbook(out)
    for title, column in (("超期工单", 5), ("重办工单", 4)):
        cells = [row[column - 1] for row in wb[title].iter_rows(min_row=3)]
        assert cells and all(c.number_format == "0.00%" for c in cells if c.value is not None), title
