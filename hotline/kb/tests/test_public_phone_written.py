"""Duty mobiles written the many ways people write them never reach the public FAQ pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hotline.kb.public_phone import public_phone
from hotline.kb.tests.conftest import make_article
from hotline.orgs.choices import UnitKind
from hotline.tickets.tests.factories import HandlingUnitFactory

WRITTEN = [
    "8613907310001",           # 86 without + or 00
    "86 139 0731 0001",
    "139 - 0731 - 0001",       # spaced hyphens
    "139  0731  0001",         # two spaces
    "139—0731—0001",           # em dash (Chinese input methods)
    "139–0731–0001",           # en dash
    "139－0731－0001",          # full-width hyphen-minus
    "139.0731.0001",
    "+86 - 139 0731 0001",
]


@pytest.mark.parametrize("mobile", WRITTEN)
def test_the_mobile_is_taken_out(mobile: str) -> None:
    assert public_phone(f"0731-88990001 / {mobile}") == "0731-88990001"
    assert public_phone(mobile) == ""


@pytest.mark.parametrize("written", [
    "0731-88990001",
    "0731 - 88990001",
    "12345",
    "0731-88990001 转 8001",
])
def test_landlines_and_service_numbers_stay(written: str) -> None:
    assert public_phone(written) == written


@pytest.mark.django_db
@pytest.mark.parametrize("mobile", WRITTEN)
def test_the_faq_article_page_never_shows_it(mobile: str, frozen_now: object) -> None:
    # The office line without its area code: the field holds 32 characters (PostgreSQL enforces it).
    unit = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市人社局", phone=f"88990001 / {mobile}")
    article = make_article(unit, "社保卡补办", answer="请到社保窗口补办。")
    page = Client().get(f"/kb/faq/{article.code}/").content.decode()
    assert "88990001" in page
    assert "13907310001" not in re.sub(r"\D", "", page)
