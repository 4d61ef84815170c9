"""Masking the caller's firm must not garble ordinary words of a text others read (docs/security.md): a firm
whose name, once its place is taken off, is only a trade or kind of institution (长沙物业管理 → 物业管理,
湖南省人民医院 → 人民医院) is masked only as recorded, never by that generic phrase."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hotline.core.privacy import _known_company, scrub_public_text


def _order(company: str) -> SimpleNamespace:
    return SimpleNamespace(caller_name="", caller_phone="", caller_company=company)


def test_a_firm_named_city_plus_trade_does_not_mask_the_trade_word() -> None:
    # 长沙城市发展集团: a bare 长沙 taken off leaves 城市发展, an ordinary phrase of any reply
    reply = "经核实，该路段改造已纳入城市发展规划，预计明年完工。"
    assert scrub_public_text(reply, order=_order("长沙城市发展集团有限公司")) == reply


def test_a_firm_named_city_plus_trade_does_not_mask_a_regulation_name() -> None:
    reply = "根据《物业管理条例》第三十五条，物业服务企业应当公示收费标准，现已责令整改。"
    assert scrub_public_text(reply, order=_order("长沙物业管理有限公司")) == reply


def test_a_public_hospital_as_firm_does_not_mask_other_hospitals() -> None:
    reply = "建议您前往长沙市第三人民医院复查，该院已开通绿色通道。"
    assert scrub_public_text(reply, order=_order("湖南省人民医院")) == reply


@pytest.mark.parametrize("company, forms", [
    ("长沙物业管理有限公司", ["长沙物业管理有限公司", "长沙物业管理"]),
    ("长沙城市发展集团有限公司", ["长沙城市发展集团有限公司", "长沙城市发展"]),
    ("湖南省人民医院", ["湖南省人民医院"]),
    ("物业管理有限公司", ["物业管理有限公司"]),
])
def test_a_generic_firm_is_masked_only_as_recorded(company: str, forms: list[str]) -> None:
    assert _known_company(company) == forms
    assert scrub_public_text(f"{company}：您好", order=_order(company)) == f"{company[0]}**：您好"


def test_a_distinctive_name_before_the_trade_word_is_still_masked_alone() -> None:
    assert _known_company("长沙市华远物业管理有限公司")[-1] == "华远物业管理"
    text = scrub_public_text("华远物业管理已按《物业管理条例》整改", order=_order("长沙市华远物业管理有限公司"))
    assert text == "华**已按《物业管理条例》整改"
