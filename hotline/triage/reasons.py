"""Triage's reasons in the reader's language (研判依据): urgency, repeats and the 不合理诉求 hint.

`hotline.intelligence` gives its reasons as `Reason` (a code and its parameters, see
`hotline.intelligence.reasons`); this is the one place triage words them, with gettext, so an English reader
reads English. What the centre or the citizen typed (rule and category names, the matched words) stays as
typed. Reasons stored before they were structured are plain Chinese strings: they are shown as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from hotline.intelligence.reasons import Reason

#: The urgency rules' kinds (`hotline.intelligence.urgency.KINDS`), translatable.
KIND_LABELS = {
    "life": gettext_lazy("危及生命"), "gas": gettext_lazy("燃气泄漏"), "fire": gettext_lazy("火情"),
    "flood": gettext_lazy("汛情/内涝"), "self_harm": gettext_lazy("自伤自杀"), "mass": gettext_lazy("群体性事件"),
    "minors": gettext_lazy("未成年人"), "property": gettext_lazy("重大财产损失"), "utility": gettext_lazy("水电气热"),
    "other": gettext_lazy("其他"),
}


def percent(value: Any) -> str:
    """A similarity or probability as the algorithms word it: 0.42 → 42%."""
    return f"{float(value):.0%}"


def _words(value: Any) -> str:
    return _("、").join(value) if isinstance(value, (list, tuple)) else str(value)


def _hit(p: dict[str, Any]) -> str:
    kind = str(p.get("kind", ""))
    return _("%(kind)s：命中「%(words)s」（规则：%(rule)s）") % {
        "kind": KIND_LABELS.get(kind, kind), "words": _words(p.get("words", ())), "rule": p.get("rule", "")}


def _prior(p: dict[str, Any]) -> str:
    return _("分类先验：%(category)s属水电气热，至少较急") % {"category": p.get("category") or _("水电气热")}


def _times(p: dict[str, Any]) -> int:
    return int(p.get("times", 0))


_FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {
    "urgency.hit": _hit,
    "urgency.prior": _prior,
    "repeat.same_caller": lambda p: _("同一来电人，诉求内容相似度 %(similarity)s") % {
        "similarity": percent(p.get("similarity", 0))},
    "repeat.same_place": lambda p: _("同一来电人，同一分类、同一地点，内容相似度 %(similarity)s") % {
        "similarity": percent(p.get("similarity", 0))},
    "cluster.same_place": lambda p: _("同一地点，内容相似度 %(similarity)s") % {
        "similarity": percent(p.get("similarity", 0))},
    "unreasonable.repeat_answered": lambda p: ngettext(
        "同一诉求已反映 %(times)s 次，其中 %(answered)s 次已依法依规答复",
        "同一诉求已反映 %(times)s 次，其中 %(answered)s 次已依法依规答复", _times(p)) % {
        "times": _times(p), "answered": p.get("answered", 0)},
    "unreasonable.repeat": lambda p: ngettext("同一诉求已反映 %(times)s 次", "同一诉求已反映 %(times)s 次",
                                              _times(p)) % {"times": _times(p)},
    "unreasonable.outside_duty": lambda p: _("可能不属于政府职责范围（「%(words)s」），宜引导通过法定途径解决") % {
        "words": p.get("words", "")},
    "unreasonable.against_rules": lambda p: _("诉求可能与法律法规或政策相悖（「%(words)s」）") % {
        "words": p.get("words", "")},
    "unreasonable.compensation_amount": lambda p: _("索赔金额较高（约 %(amount)s 万元）") % {
        "amount": f"{float(p.get('yuan', 0)) / 10_000:g}"},
    "unreasonable.compensation_claim": lambda p: _("提出「%(words)s」等赔偿要求") % {"words": p.get("words", "")},
    "unreasonable.unsatisfied_history": lambda p: ngettext(
        "同一诉求 %(times)s 次答复已解决但评价不满意", "同一诉求 %(times)s 次答复已解决但评价不满意",
        _times(p)) % {"times": _times(p)},
    "unreasonable.leverage": lambda p: _("以满意度评价施压（「%(words)s」）") % {"words": p.get("words", "")},
}


def describe_reason(reason: Reason | Mapping[str, Any] | str | None) -> str:
    """A triage reason in the active language.

    Takes a `Reason`, its stored dict form, or a plain string (a reason stored before reasons were
    structured, shown as it is). An unknown code shows as the code itself.
    """
    if reason is None:
        return ""
    if isinstance(reason, str):
        return reason
    if isinstance(reason, Mapping):
        reason = Reason.from_dict(reason)
    formatter = _FORMATS.get(reason.code)
    return formatter(reason.params) if formatter is not None else reason.code


def describe_hint_level(level: str) -> str:
    """The hint's level (较高/中/低) in the active language."""
    if level == "较高":
        return pgettext("不合理诉求提示", "较高")
    if level == "中":
        return pgettext("不合理诉求提示", "中")
    if level == "低":
        return pgettext("不合理诉求提示", "低")
    return level
