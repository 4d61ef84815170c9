"""`hotline reply-check`: a meaningless limit or a GBK file is one clear error, not a report of nonsense."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

DATA = Path(__file__).parent / "data" / "replies_weak_labels_slice.csv"


@pytest.mark.parametrize("option, value", [
    ("--limit-working-days", "-1"), ("--limit-working-days", "0"), ("--limit-working-days", "nan"),
    ("--limit-working-days", "1e9"), ("--limit", "-1"),
])
def test_meaningless_limits_are_refused(option: str, value: str) -> None:
    with pytest.raises(CommandError, match=option):
        call_command("reply_check", "--data", str(DATA), option, value)


def test_limits_given_as_keywords_are_checked_too() -> None:
    with pytest.raises(CommandError, match="--limit-working-days"):
        call_command("reply_check", data=str(DATA), limit_working_days=0)
    with pytest.raises(CommandError, match="--limit"):
        call_command("reply_check", data=str(DATA), limit=-1)


def test_a_gbk_file_names_the_file_and_asks_for_utf8(tmp_path: Path) -> None:
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(DATA.read_text(encoding="utf-8-sig").encode("gb18030"))
    with pytest.raises(CommandError, match=r"--data：答复文件不是 UTF-8 编码：.*gbk\.csv（请另存为 UTF-8"):
        call_command("reply_check", "--data", str(gbk))
