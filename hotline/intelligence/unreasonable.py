"""Hints for 不合理诉求 applications: a score with reasons, for a unit deciding whether to apply.

Plain Python, no Django. The score is advice only (仅供参考): it never excludes, closes or marks
anything; the unit applies and the centre decides, as before. Each signal found adds a weight and a
reason; the weights combine as a noisy-or, 1 − Π(1 − wᵢ), so the score stays in [0, 1) and no one
signal is decisive by itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hotline.intelligence.reasons import Reason

NOTICE = "仅供参考，不会自动排除"

#: Demands outside government duty (民事纠纷、私人事务): usually a legal channel instead.
OUTSIDE_DUTY = re.compile(
    r"(民间借贷|私人借款|借钱不还|欠款不还|家庭纠纷|婚姻纠纷|遗产纠纷|夫妻|离婚|赡养纠纷)"
    r"|要求政府(出钱|买单|安排工作|给我安排|发钱|补贴我)"
    r"|(帮我|给我)(找工作|介绍对象|要回欠款|追债)"
)
#: Demands contrary to law or policy: exemptions, special approval, overturning judgments.
AGAINST_RULES = re.compile(
    r"(特批|破例|不按规定|违规办理|通融一下|开绿灯)"
    r"|(免除|撤销|取消)(罚款|处罚|行政处罚)"
    r"|(撤销|推翻|改判).{0,6}(判决|裁定|裁决)"
    r"|(违建|违章建筑).{0,8}(不拆|保留|合法化)"
)
#: Compensation demands: "赔偿50万", "精神损失费".
_COMPENSATION = re.compile(r"(赔偿|补偿|赔付|赔)[^，。；,;]{0,6}?(\d+(?:\.\d+)?)\s*(万|千|元)")
_DAMAGES = re.compile(r"精神(损失|损害)费|误工费.{0,4}\d+万")
#: Leverage over the satisfaction rating.
LEVERAGE = re.compile(r"(不满意|差评).{0,8}(一直打|天天打|每天打|打到|投诉到底)|不解决就一直打|打到你们解决")
#: Words that show a reply cited a legal basis (依法答复).
LEGAL_BASIS = re.compile(r"《[^》]{2,40}》|依据.{0,10}(规定|条例|办法|法)|根据.{0,10}(规定|条例|办法|法)第")

EXCESSIVE_AMOUNT_YUAN = 100_000


@dataclass(frozen=True)
class Earlier:
    """One earlier order of the same caller on the same matter."""

    reply: str = ""  # the unit's reply to the citizen (empty when not answered)
    resolved: bool | None = None  # the unit said it was resolved
    unsatisfied: bool = False  # the citizen rated it 不满意


@dataclass(frozen=True)
class Signal:
    """One signal, with its weight and its reason (an `unreasonable.*` code with the counts or the words found)."""

    code: str
    weight: float
    reason: Reason


@dataclass(frozen=True)
class Hint:
    """The advice: a score in [0, 1) and its reasons (empty when nothing points that way)."""

    score: float
    signals: tuple[Signal, ...] = ()
    notice: str = NOTICE

    @property
    def level(self) -> str:
        return "较高" if self.score >= 0.6 else "中" if self.score >= 0.3 else "低"

    @property
    def reasons(self) -> list[Reason]:
        return [s.reason for s in self.signals]


def _amount_yuan(number: str, unit: str) -> float:
    value = float(number)
    return value * 10_000 if unit == "万" else value * 1_000 if unit == "千" else value


def score(text: str, earlier: Sequence[Earlier] = ()) -> Hint:
    """Score one demand against the signals of an unreasonable claim."""
    found: list[Signal] = []
    answered = [e for e in earlier if LEGAL_BASIS.search(e.reply or "")]
    if len(earlier) >= 2 and answered:
        weight = min(0.3 + 0.05 * (len(earlier) - 2), 0.45)
        found.append(Signal("repeat_answered", weight,
                            Reason.of("unreasonable.repeat_answered", times=len(earlier), answered=len(answered))))
    elif len(earlier) >= 3:
        found.append(Signal("repeat", 0.15, Reason.of("unreasonable.repeat", times=len(earlier))))
    if m := OUTSIDE_DUTY.search(text):
        found.append(Signal("outside_duty", 0.3, Reason.of("unreasonable.outside_duty", words=m.group(0))))
    if m := AGAINST_RULES.search(text):
        found.append(Signal("against_rules", 0.35, Reason.of("unreasonable.against_rules", words=m.group(0))))
    amounts = [_amount_yuan(n, u) for _, n, u in _COMPENSATION.findall(text)]
    if amounts and max(amounts) >= EXCESSIVE_AMOUNT_YUAN:
        found.append(Signal("excessive_compensation", 0.25,
                            Reason.of("unreasonable.compensation_amount", yuan=max(amounts))))
    elif m := _DAMAGES.search(text):
        found.append(Signal("excessive_compensation", 0.15, Reason.of("unreasonable.compensation_claim",
                                                                        words=m.group(0))))
    unsatisfied = [e for e in earlier if e.unsatisfied and e.resolved]
    if len(unsatisfied) >= 2:
        found.append(Signal("unsatisfied_history", 0.15,
                            Reason.of("unreasonable.unsatisfied_history", times=len(unsatisfied))))
    if m := LEVERAGE.search(text):
        found.append(Signal("leverage", 0.1, Reason.of("unreasonable.leverage", words=m.group(0))))
    remaining = 1.0
    for signal in found:
        remaining *= 1 - signal.weight
    return Hint(score=round(1 - remaining, 3), signals=tuple(found))

