"""Checks on entered free text shared by the services."""

import pytest

from hotline.core.entered import entered_text
from hotline.tickets.exceptions import RuleViolation


def test_strips_and_keeps_text_within_the_limit() -> None:
    assert entered_text("  水管爆裂  ", what="说明", limit=4) == "水管爆裂"
    assert entered_text(None, what="说明", limit=4) == ""


@pytest.mark.parametrize(("value", "required", "message"), [
    ("有\x00空字符", False, "空字符"),
    ("   ", True, "请填写说明"),
    ("十一个字十一个字十一个", False, "最多 10 个字（现有 11 个）"),
])
def test_refuses_nul_missing_and_overlong_text(value: str, required: bool, message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        entered_text(value, what="说明", limit=10, required=required)
