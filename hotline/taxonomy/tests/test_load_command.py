"""`hotline load-taxonomy --path`: an unreadable file is a clear error, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_a_missing_or_wrong_taxonomy_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="无法读取分类文件"):
        call_command("load_taxonomy", "--path", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="无法读取分类文件"):
        call_command("load_taxonomy", "--path", str(tmp_path))
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="缺少列"):
        call_command("load_taxonomy", "--path", str(wrong))
    wrong.write_bytes("一级分类,二级分类,三级分类\n城建,市政,路灯\n".encode("gbk"))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("load_taxonomy", "--path", str(wrong))
