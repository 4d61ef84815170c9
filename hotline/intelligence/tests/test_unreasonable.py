"""Hints for 不合理诉求: each signal gives a reason; the score is advice and nothing else."""

from __future__ import annotations

from hotline.intelligence.reasons import Reason
from hotline.intelligence.unreasonable import NOTICE, Earlier, score

ANSWERED = "经核查，根据《A市物业管理条例》第三十条的规定，该费用由业主承担，已向来电人解释。"


def test_an_ordinary_complaint_scores_zero() -> None:
    hint = score("小区门口路灯坏了一个月，晚上出行不便，请尽快维修。")
    assert hint.score == 0 and hint.reasons == [] and hint.level == "低"
    assert hint.notice == NOTICE


def test_a_matter_answered_with_a_legal_basis_again_and_again() -> None:
    earlier = [Earlier(reply=ANSWERED, resolved=True, unsatisfied=True)] * 3
    hint = score("还是物业费的问题，我不同意交", earlier)
    codes = {s.code for s in hint.signals}
    assert codes == {"repeat_answered", "unsatisfied_history"}
    assert hint.reasons == [Reason.of("unreasonable.repeat_answered", times=3, answered=3),
                            Reason.of("unreasonable.unsatisfied_history", times=3)]
    assert 0.4 < hint.score < 0.6


def test_outside_duty_against_rules_and_excessive_compensation() -> None:
    hint = score("邻居借钱不还，要求政府出钱帮我还债，还要赔偿我50万元精神损失费")
    codes = {s.code for s in hint.signals}
    assert {"outside_duty", "excessive_compensation"} <= codes
    assert Reason.of("unreasonable.compensation_amount", yuan=500_000.0) in hint.reasons  # 「约 50 万元」
    assert Reason.of("unreasonable.outside_duty", words="借钱不还") in hint.reasons
    against = score("我的违章建筑不拆，要求特批保留，并撤销行政处罚")
    assert "against_rules" in {s.code for s in against.signals}


def test_small_compensation_is_not_excessive() -> None:
    assert score("快递丢了，要求赔偿200元").score == 0


def test_signals_combine_as_noisy_or_and_stay_below_one() -> None:
    text = "要求政府出钱，特批我的违建不拆，赔偿100万，不解决就一直打"
    hint = score(text, [Earlier(reply=ANSWERED, resolved=True, unsatisfied=True)] * 6)
    assert 0.8 < hint.score < 1.0 and hint.level == "较高"
    product = 1.0
    for signal in hint.signals:
        product *= 1 - signal.weight
    assert abs(hint.score - (1 - product)) < 0.001


def test_repeats_without_a_legal_answer_weigh_little() -> None:
    hint = score("还是噪音问题", [Earlier(reply="已转相关部门")] * 3)
    assert [s.code for s in hint.signals] == ["repeat"]
