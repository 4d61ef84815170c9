"""The firm a caller called for (`caller_company`) is masked in texts others read, with its distinctive part
written alone, whatever place stands in front of it (docs/security.md); a kind of caller typed as the firm
(个体工商户, 事业单位 …) names nobody and masks nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hotline.core.privacy import _known_company, scrub_public_text


def _order(company: str) -> SimpleNamespace:
    return SimpleNamespace(caller_name="", caller_phone="", caller_company=company)


@pytest.mark.parametrize("company", [
    "湖南省长沙市鑫达建材有限公司",  # province and city
    "长沙市天心区鑫达建材有限公司",  # city and district
    "长沙鑫达建材有限公司",  # a bare city without 市
    "湖南长沙鑫达建材有限公司",  # a bare province and a bare city
    "（长沙）鑫达建材有限公司",  # a bracketed place in front
    "鑫达建材（长沙）有限公司",  # a bracketed place before the legal form
    "湘西土家族苗族自治州鑫达建材有限公司",
    "广西壮族自治区南宁市鑫达建材有限公司",
    "A市鑫达建材有限公司",
])
def test_distinctive_part_of_a_firm_with_a_longer_place_is_masked(company: str) -> None:
    reply = "鑫达建材：您好，关于贵公司反映的项目审批问题，已协调区行政审批局办理。"
    scrubbed = scrub_public_text(reply, order=_order(company))
    assert "鑫达建材" not in scrubbed
    assert scrubbed.startswith("鑫**：您好")
    assert scrub_public_text(f"{company}：您好", order=_order(company)) == f"{company[0]}**：您好"


def test_every_core_of_a_firm_with_several_places_is_offered() -> None:
    assert _known_company("湖南省长沙市鑫达建材有限公司") == [
        "湖南省长沙市鑫达建材有限公司", "湖南省长沙市鑫达建材", "长沙市鑫达建材", "鑫达建材"]
    assert _known_company("鑫达建材集团有限公司长沙分公司") == ["鑫达建材集团有限公司长沙分公司", "鑫达建材"]
    text = scrub_public_text("长沙市鑫达建材、天心区鑫达建材", order=_order("长沙市天心区鑫达建材有限公司"))
    assert text == "长沙市鑫**、天**"  # the distinctive part wherever it stands


@pytest.mark.parametrize("company, kept", [
    ("华润万家超市有限公司", "华润万家超市"),  # 超市 is no city: nothing short of the name is offered
    ("长沙银行股份有限公司", "长沙银行"),  # 银行 alone is too short to mask
    ("新城市花园物业有限公司", "新城市花园物业"),
])
def test_a_word_ending_like_a_place_is_not_taken_for_one(company: str, kept: str) -> None:
    assert kept in _known_company(company)
    assert all(len(form) >= 4 for form in _known_company(company))


@pytest.mark.parametrize("company", [
    "个体工商户", "个体户", "事业单位", "机关单位", "政府机关", "退休人员", "在校学生", "自由职业者", "务农", "无业",
    "长沙市个体工商户", "事业单位职工", "无业人员",
])
def test_a_placeholder_kind_of_firm_does_not_mask_ordinary_words(company: str) -> None:
    """An agent writes what the caller is (个体工商户, 事业单位), not a firm's name: nothing identifies them."""
    reply = f"您好，{company}相关手续可在政务服务网申办，或到区政务服务中心窗口办理。"
    assert scrub_public_text(reply, order=_order(company)) == reply
    assert _known_company(company) == []


def test_a_firm_beyond_a_generic_word_is_still_masked() -> None:
    text = scrub_public_text("鑫达建材个体工商户反映的问题已处理", order=_order("鑫达建材个体工商户"))
    assert text == "鑫**反映的问题已处理"
