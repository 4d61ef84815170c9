"""`hotline kb-replies`: a GBK file or a meaningless --limit is one clear error and nothing is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.kb.exceptions import SeedError
from hotline.kb.models import ReplyExample
from hotline.kb.replies import load_replies

REPLY = "已安排维修人员到现场更换灯具，路灯已恢复照明，感谢您的反映。" * 2


def _gbk_file(tmp_path: Path) -> Path:
    path = tmp_path / "gbk.csv"
    path.write_bytes(f"留言编号,留言主题,留言详情,答复意见\n1,路灯不亮,路灯坏了,{REPLY}\n".encode("gb18030"))
    return path


def test_a_gbk_file_names_the_file_and_asks_for_utf8(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"--file：答复文件不是 UTF-8 编码：.*gbk\.csv（请另存为 UTF-8"):
        call_command("kb_replies", "--file", str(_gbk_file(tmp_path)))
    assert not ReplyExample.objects.exists()


def test_loading_a_gbk_file_directly_is_refused_whole(db: None, tmp_path: Path) -> None:
    good = "".join(f"{n},路灯不亮,路灯坏了,{REPLY}\n" for n in range(1, 600))  # more than a batch before the bad byte
    path = tmp_path / "late.csv"
    path.write_bytes(f"留言编号,留言主题,留言详情,答复意见\n{good}".encode() + "9999,路灯,坏了,".encode("gb18030")
                     + REPLY.encode("gb18030") + b"\n")
    with pytest.raises(SeedError, match="不是 UTF-8 编码"):
        load_replies(path)
    assert not ReplyExample.objects.exists()


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_limit_below_one_is_refused(db: None, tmp_path: Path, value: str) -> None:
    with pytest.raises(CommandError, match="--limit"):
        call_command("kb_replies", "--file", str(_gbk_file(tmp_path)), "--limit", value)
