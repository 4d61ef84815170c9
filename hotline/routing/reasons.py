"""The dispatch recommendation's reasons in the reader's language (派单推荐依据).

`hotline.intelligence.dispatch` gives each candidate unit its reasons as `Reason`s (the catalogue entry,
the classifier's classes, the similar orders); the recommendation stores them in each `top3` row under
"reasons" (their dict form). This is the one place routing words them, with gettext. Category, area and
unit names and the legal basis stay as the centre typed them. A row stored before reasons were structured
has its Chinese sentence under "reason": it is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hotline.intelligence.reasons import Reason


def _percent(value: Any) -> str:
    return f"{float(value):.0%}"


def _catalogue(p: dict[str, Any]) -> str:
    rule = f"{p.get('category', '')} @ {p['area']}" if p.get("area") else str(p.get("category", ""))
    if p.get("basis"):
        return _("派单目录：%(rule)s → %(unit)s（%(basis)s）") % {
            "rule": rule, "unit": p.get("unit", ""), "basis": p["basis"]}
    return _("派单目录：%(rule)s → %(unit)s") % {"rule": rule, "unit": p.get("unit", "")}


def _model(p: dict[str, Any]) -> str:
    classes = _("、").join(f"{label} {_percent(probability)}" for label, probability in p.get("classes", ()))
    return _("模型分类：%(classes)s") % {"classes": classes}


def _history(p: dict[str, Any]) -> str:
    neighbours = int(p.get("neighbours", 0))
    return ngettext("相似工单 %(similar)s/%(neighbours)s 最终由该单位办理",
                    "相似工单 %(similar)s/%(neighbours)s 最终由该单位办理", neighbours) % {
        "similar": p.get("similar", 0), "neighbours": neighbours}


_FORMATS = {"dispatch.catalogue": _catalogue, "dispatch.model": _model, "dispatch.history": _history}


def describe_reason(reason: Reason | Mapping[str, Any] | str) -> str:
    """One reason of a candidate unit in the active language (a plain string is shown as it is)."""
    if isinstance(reason, str):
        return reason
    if isinstance(reason, Mapping):
        reason = Reason.from_dict(reason)
    formatter = _FORMATS.get(reason.code)
    return formatter(reason.params) if formatter is not None else reason.code


def describe_reasons(reasons: Sequence[Reason | Mapping[str, Any] | str]) -> str:
    """A candidate's reasons as one text: 「派单目录：…；相似工单 14/16 最终由该单位办理」, or 「无依据」."""
    return _("；").join(describe_reason(r) for r in reasons) or _("无依据")


def describe_row(row: Mapping[str, Any]) -> str:
    """The reasons of one stored `top3` row: structured ("reasons") or, stored earlier, a sentence ("reason")."""
    if "reasons" in row:
        return describe_reasons(row["reasons"] or ())
    return str(row.get("reason", ""))
