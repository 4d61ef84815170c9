"""`hotline evaluate` / `hotline train`: a data file saved as GBK is named, with the hint to save it as UTF-8."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.triage.management.commands import evaluate, train


@pytest.fixture
def gbk(tmp_path: Path) -> Path:
    path = tmp_path / "gbk.csv"
    path.write_bytes("留言主题,留言详情,一级标签\n,路灯不亮,城乡建设\n".encode("gb18030"))
    return path


def test_evaluate_names_a_gbk_file(gbk: Path) -> None:
    with pytest.raises(CommandError, match=r"--data: 数据文件不是 UTF-8 编码：.*gbk\.csv（请另存为 UTF-8"):
        call_command(evaluate.Command(), "--data", str(gbk), stdout=StringIO())


def test_train_names_a_gbk_file(gbk: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"--data: 数据文件不是 UTF-8 编码：.*gbk\.csv"):
        call_command(train.Command(), "--data", str(gbk), "--output", str(tmp_path / "m"), stdout=StringIO())
    assert not (tmp_path / "m").exists()


def test_train_names_a_gbk_unlabelled_file(gbk: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"--unlabeled: 数据文件不是 UTF-8 编码：.*gbk\.csv"):
        call_command(train.Command(), "--unlabeled", str(gbk), "--output", str(tmp_path / "m"), stdout=StringIO())
