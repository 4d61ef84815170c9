"""The API's per-field validation errors in the caller's language.

django-ninja reports a bad request with pydantic's errors, whose messages are English. A centre's
integrators read Chinese first: under a Chinese locale each message is rewritten from the error's
`type` and its context (lengths, bounds, allowed values); under any other locale pydantic's own
English stays. A type not listed here keeps pydantic's message. The `type` and `loc` are unchanged:
programs should read those.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

#: pydantic error type → Chinese message; `{name}` fields come from the error's `ctx`.
CHINESE: dict[str, str] = {
    "missing": "必填字段缺失",
    "extra_forbidden": "不接受此字段",
    "string_type": "须为字符串",
    "string_unicode": "须为有效的字符串（含无法识别的字符，如单独的代理字符）",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确（须符合 {pattern}）",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数，不能有小数部分",
    "int_parsing_size": "须为整数，且数值不能过大",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "decimal_parsing": "须为数字",
    "finite_number": "须为有限的数字",
    "bool_type": "须为布尔值（true 或 false）",
    "bool_parsing": "须为布尔值（true 或 false）",
    "literal_error": "取值须为以下之一：{expected}",
    "enum": "取值须为以下之一：{expected}",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须大于或等于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须小于或等于 {le}",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "list_type": "须为数组",
    "dict_type": "须为对象",
    "model_type": "须为对象",
    "model_attributes_type": "须为对象",
    "date_type": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "须为日期，不能带时刻",
    "datetime_type": "须为带时区的时间（ISO 8601，如 2026-10-12T09:30:00+08:00）",
    "datetime_parsing": "须为带时区的时间（ISO 8601，如 2026-10-12T09:30:00+08:00）",
    "datetime_from_date_parsing": "须为带时区的时间（ISO 8601，如 2026-10-12T09:30:00+08:00）",
    "datetime_object_invalid": "不是有效的时间",
    "timezone_aware": "时间须带时区（如 +08:00）",
    "uuid_type": "须为 UUID",
    "uuid_parsing": "须为 UUID",
    "json_invalid": "不是有效的 JSON",
    "json_type": "须为 JSON",
    "none_required": "须为空（null）",
}

_VALUE_ERROR_PREFIX = "Value error, "


def _message(error: dict[str, Any], chinese: bool) -> str:
    kind, msg = str(error.get("type", "")), str(error.get("msg", ""))
    if kind == "value_error":  # raised by our own validators, worded with gettext: already the caller's language
        return msg.removeprefix(_VALUE_ERROR_PREFIX)
    template = CHINESE.get(kind) if chinese else None
    if template is None:
        return msg
    ctx = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):  # a context pydantic did not give: its own words then
        return msg


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic's errors as the API reports them: `loc`, `msg` in the caller's language, `type`."""
    chinese = (get_language() or "").lower().startswith("zh")
    return [{"loc": list(e.get("loc", [])), "msg": _message(e, chinese), "type": str(e.get("type", ""))}
            for e in errors]
