"""The bulletin's 生成于 time is local (Beijing) time, not UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import openpyxl
import pytest

from hotline.core import clock
from hotline.kpis.bulletin import data, pdf, xlsx
from hotline.kpis.periods import parse_month

pytestmark = pytest.mark.django_db
#: 01:30 UTC on 1 April 2025 is 09:30 in Beijing.
NOW = datetime(2025, 4, 1, 1, 30, tzinfo=UTC)


def test_xlsx_prints_the_local_generation_time() -> None:
    with clock.frozen(NOW):
        bulletin = data.gather(parse_month("2025-03"))
    overview = openpyxl.load_workbook(BytesIO(xlsx.build(bulletin)))["概览"]
    assert "生成于 2025-04-01 09:30" in overview["A2"].value


def test_pdf_prints_the_local_generation_time(monkeypatch: pytest.MonkeyPatch) -> None:
    with clock.frozen(NOW):
        bulletin = data.gather(parse_month("2025-03"))
    texts: list[str] = []
    real = pdf.Paragraph

    def paragraph(text: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        texts.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(pdf, "Paragraph", paragraph)
    assert pdf.build(bulletin).startswith(b"%PDF-")
    assert any("生成于 2025-04-01 09:30" in t for t in texts)
