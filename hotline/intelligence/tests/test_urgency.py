"""Urgency rules (紧急程度研判) on realistic calls, and the negative examples that must stay 一般."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.intelligence import urgency
from hotline.intelligence.reasons import Reason
from hotline.intelligence.urgency import Assessor, Rule, read_rules

RULES = read_rules().rules


def test_the_shipped_rule_file_is_clean() -> None:
    result = read_rules()
    assert result.errors == []
    assert {r.kind for r in result.rules} >= {"gas", "fire", "flood", "self_harm", "mass", "minors", "life"}


@pytest.mark.parametrize(("text", "kind", "transfer"), [
    ("家里厨房煤气泄漏了，闻到很浓的煤气味，怎么办", "gas", "119"),
    ("楼顶上有人要跳楼，已经站在天台边上了", "self_harm", "110"),
    ("商场停车场有个小孩被锁在车里，大人不在，天气很热", "minors", "110"),
    ("我们小区3栋楼道起火了，浓烟很大", "fire", "119"),
    ("暴雨内涝，小区一楼积水已经进屋了，老人被困", "flood", "119"),
    ("路边有位老人倒地不起，呼吸困难", "life", "120"),
])
def test_life_threatening_calls_are_urgent_and_suggest_a_transfer(text: str, kind: str, transfer: str) -> None:
    result = Assessor(RULES).assess(text)
    assert result.level == urgency.URGENT
    assert result.life_threatening
    assert result.transfer_to == transfer
    assert kind in {h.kind for h in result.hits}
    reason = result.reasons[0]
    assert reason.code == "urgency.hit" and reason.params["kind"] == result.hits[0].kind
    assert reason.params["rule"] == result.hits[0].rule and reason.params["words"] == result.hits[0].words


@pytest.mark.parametrize("text", [
    "咨询一下煤气费缴纳的方式和时间",
    "想问燃气开户需要带什么材料",
    "小区消防通道被占用，希望物业清理",
    "建议加强防火宣传",
    "咨询公积金贷款额度",
])
def test_ordinary_matters_stay_normal(text: str) -> None:
    result = Assessor(RULES).assess(text)
    assert result.level == urgency.NORMAL
    assert not result.life_threatening
    assert result.transfer_to == ""


def test_an_exception_word_cancels_only_its_own_occurrence() -> None:
    text = "上个月煤气费交过了，可是现在家里煤气泄漏"
    result = Assessor(RULES).assess(text)
    assert result.level == urgency.URGENT and result.transfer_to == "119"


def test_pressing_matters_and_mass_incidents() -> None:
    assert Assessor(RULES).assess("小区停水三天了").level == urgency.PRESSING
    mass = Assessor(RULES).assess("几十人聚集在工地门口堵路讨薪")
    assert mass.level == urgency.URGENT and not mass.life_threatening  # urgent, but not a life at risk
    assert mass.transfer_to == "110"


def test_the_category_prior_raises_utility_matters() -> None:
    result = Assessor(RULES).assess("供水公司水压一直很低", utility_category=True, category_name="自来水供应")
    assert result.level == urgency.PRESSING
    assert result.prior == Reason.of("urgency.prior", category="自来水供应")
    assert result.reasons == [result.prior] and result.prior.as_dict() == {"code": "urgency.prior",
                                                                           "category": "自来水供应"}
    assert Assessor(RULES).assess("供水公司水压一直很低").level == urgency.NORMAL


def test_bad_rule_rows_are_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    path.write_text(
        "name,kind,level,pattern,unless,transfer_to,is_regex\n"
        "好规则,fire,urgent,起火,,119,0\n"
        "坏类别,weather,urgent,台风,,,0\n"
        "坏正则,fire,urgent,(起火,,119,1\n"
        "坏转接,fire,urgent,起火,,999,0\n", encoding="utf-8")
    result = read_rules(path)
    assert [r.name for r in result.rules] == ["好规则"]
    assert [line for line, _ in result.errors] == [3, 4, 5]
    assert "weather" in result.errors[0][1] and "正则" in result.errors[1][1] and "999" in result.errors[2][1]


def test_a_missing_file_or_header_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(urgency.RuleFileError):
        read_rules(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(urgency.RuleFileError, match="missing columns"):
        read_rules(bad)


def test_keyword_rules_escape_their_words() -> None:
    rule = Rule(name="点号", kind="other", level="pressing", pattern="a.b")
    assert Assessor([rule]).assess("axb").level == urgency.NORMAL
    assert Assessor([rule]).assess("a.b").level == urgency.PRESSING


@pytest.mark.parametrize(("text", "transfer"), [
    ("楼下有人跳楼", "110"),
    ("有人跳楼了", "110"),
    ("有人跳河", "110"),
    ("燃气爆炸了", "119"),
    ("家里天然气漏了", "119"),
    ("有人被车撞了满身是血", "120"),
    ("有人晕倒了", "120"),
    ("孩子掉进河里", "119"),
    ("有人持刀砍人", "110"),
    ("There is a fire in building 3", "119"),
    ("Gas leak in the kitchen", "119"),
])
def test_third_person_and_event_reports_are_life_threatening(text: str, transfer: str) -> None:
    result = Assessor(RULES).assess(text)
    assert (result.level, result.life_threatening, result.transfer_to) == (urgency.URGENT, True, transfer)


@pytest.mark.parametrize("text", [
    "楼上邻居晚上装修噪音太大，影响休息",
    "小区门口乱停车，堵住了出入口",
    "物业不作为，电梯经常坏，物业费还涨价",
    "咨询公积金提取需要哪些材料",
    "路灯坏了好几天，晚上很黑",
    "商场跳楼价甩卖的喇叭太吵",
    "Streetlight broken on Main Road",
])
def test_ordinary_complaints_are_not_urgent(text: str) -> None:
    assert Assessor(RULES).assess(text).level != urgency.URGENT


@pytest.mark.parametrize("text", ["没有着火，只是咨询", "不是火灾，消防通道被占", "我没有想自杀", "并没有发生火灾，想问消防检查"])
def test_a_negated_match_does_not_count(text: str) -> None:
    result = Assessor(RULES).assess(text)
    assert result.level == urgency.NORMAL and not result.life_threatening and result.hits == ()


@pytest.mark.parametrize("text", ["没有人管，楼道着火了", "没想到楼道着火了", "家里无人，厨房起火了", "一个未成年人落水了"])
def test_a_negation_elsewhere_does_not_cancel_a_match(text: str) -> None:
    assert Assessor(RULES).assess(text).life_threatening


def test_a_pattern_matching_the_empty_text_is_refused() -> None:
    empty = Rule(name="空匹配", kind="fire", level="urgent", pattern="楼道起火|车辆着火|", transfer_to="119",
                 is_regex=True)
    assert any("空文本" in p for p in urgency.check_rule(empty))
    assert urgency.check_rule(Rule(name="可选", kind="fire", level="urgent", pattern="(起火)?", is_regex=True))
    assert urgency.check_rule(Rule(name="关键词", kind="fire", level="urgent", pattern="楼道起火|车辆着火|")) == []
    # an empty match is never a hit, even if such a rule reaches the assessor
    result = Assessor([empty]).assess("咨询住房公积金提取需要什么材料")
    assert result.level == urgency.NORMAL and result.hits == ()
    # worded 「火情：命中「车辆着火」（规则：空匹配）」 (hotline/triage/tests/test_reasons.py)
    assert Assessor([empty]).assess("车辆着火了").reasons == [
        Reason.of("urgency.hit", kind="fire", words=("车辆着火",), rule="空匹配")]
