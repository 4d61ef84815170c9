"""The unit's 咨询电话 on the public FAQ pages: office lines only, never the duty mobile that gets SMS alerts."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.kb.public_phone import public_phone
from hotline.kb.tests.conftest import make_article
from hotline.orgs.choices import UnitKind
from hotline.tickets.tests.factories import HandlingUnitFactory


@pytest.mark.parametrize(("written", "shown"), [
    ("0731-88990001 / 13907310001", "0731-88990001"),
    ("13907310001 / 0731-88990001", "0731-88990001"),
    ("0731-88990001", "0731-88990001"),
    ("0731-88990001、0731-88990002", "0731-88990001 / 0731-88990002"),
    ("12345；95598", "12345 / 95598"),  # service numbers are public
    ("13907310001", ""),
    ("139 0731 0001", ""),
    ("+86 139-0731-0001", ""),
    ("0086 13907310001", ""),
    ("１３９０７３１０００１", ""),  # full-width digits
    ("0731-88990001 13907310001", "0731-88990001"),  # a space does not hide the mobile
    ("办公室 0731-88990001 / 值班手机 13907310001", "办公室 0731-88990001"),
    ("0731-88990001 转 8001", "0731-88990001 转 8001"),
    ("", ""),
])
def test_only_the_public_numbers_are_kept(written: str, shown: str) -> None:
    assert public_phone(written) == shown


def test_a_landline_is_not_taken_for_a_mobile() -> None:
    assert public_phone("010-13912345") == "010-13912345"  # eight digits after the area code: no mobile
    assert public_phone("073113907310001") == "073113907310001"  # digits run on: not a number of its own


@pytest.mark.django_db
def test_the_faq_article_shows_the_office_line_not_the_duty_mobile(frozen_now: object) -> None:
    unit = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市人社局", phone="0731-88990001 / 13907310001")
    article = make_article(unit, "社保卡补办", answer="请到社保窗口补办。")
    page = Client().get(f"/kb/faq/{article.code}/").content.decode()
    assert "社保卡补办" in page and "0731-88990001" in page
    assert "13907310001" not in page


@pytest.mark.django_db
def test_a_unit_with_only_a_mobile_shows_no_phone(frozen_now: object) -> None:
    unit = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市医保局", phone="13907310002")
    article = make_article(unit, "医保卡挂失", answer="请拨打医保服务电话。")
    page = Client().get(f"/kb/faq/{article.code}/").content.decode()
    assert "医保卡挂失" in page and "13907310002" not in page and "咨询电话" not in page
