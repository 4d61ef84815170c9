"""Checks on free text a person entered (notes, reasons, titles) before a service stores it."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _


def entered_text(value: str | None, *, what: str, limit: int, required: bool = False) -> str:
    """The text stripped; refused (`RuleViolation`) when it holds a NUL, is missing but `required`, or is over `limit`.

    `what` names the field in the message ("质检意见", "结束说明").
    """
    from hotline.tickets.exceptions import RuleViolation  # tickets imports core: import here, not at load

    value = (value or "").strip()
    if "\x00" in value:  # PostgreSQL cannot store it
        raise RuleViolation(_("%(what)s含有无法保存的空字符（NUL），请删除后重新提交") % {"what": what})
    if required and not value:
        raise RuleViolation(_("请填写%(what)s") % {"what": what})
    if len(value) > limit:
        raise RuleViolation(_("%(what)s最多 %(limit)d 个字（现有 %(count)d 个）") % {
            "what": what, "limit": limit, "count": len(value)})
    return value


def visible(text: str | None) -> str:
    """The text unchanged if a reader can see any of it, else "" (so a required field says "please fill in").

    Invisible: whitespace and Unicode format/control characters (categories Cf and Cc: zero-width space,
    ZWNJ/ZWJ, BOM, word joiner, bidi marks …). A text with at least one visible character is returned as
    entered, invisible characters included.
    """
    text = text or ""
    if any(not ch.isspace() and unicodedata.category(ch) not in {"Cf", "Cc"} for ch in text):
        return text
    return ""
