"""`hotline evaluate-dispatch` refuses bad files with one clear line and never truncates the corrections file."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db

KEPT = "留言主题,留言详情,一级标签\n旧,旧的修正,城乡建设\n"


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    """A corrections file from an earlier run, which a refused run must leave as it was."""
    target = tmp_path / "corrections.csv"
    target.write_text(KEPT, encoding="utf-8")
    return target


def _run(*args: str) -> str:
    out = StringIO()
    call_command("evaluate_dispatch", *args, stdout=out)
    return out.getvalue()


def test_a_gbk_training_base_is_refused_by_name_and_the_output_kept(tmp_path: Path, existing: Path) -> None:
    base = tmp_path / "gbk.csv"
    base.write_bytes("留言主题,留言详情,一级标签\n路灯,路灯不亮,城乡建设\n".encode("gbk"))
    with pytest.raises(CommandError, match=r"不是 UTF-8 编码：.*gbk\.csv"):
        _run("--export-corrections", str(existing), "--training-base", str(base))
    assert existing.read_text(encoding="utf-8") == KEPT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrections.csv", "gbk.csv"]


def test_a_training_base_without_the_columns_is_refused(tmp_path: Path, existing: Path) -> None:
    base = tmp_path / "nocols.csv"
    base.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"缺少列 留言详情、一级标签 或 一级分类：.*nocols\.csv.*foo, bar"):
        _run("--export-corrections", str(existing), "--training-base", str(base))
    assert existing.read_text(encoding="utf-8") == KEPT


def test_a_missing_training_base_is_refused(tmp_path: Path, existing: Path) -> None:
    with pytest.raises(CommandError, match="不存在"):
        _run("--export-corrections", str(existing), "--training-base", str(tmp_path / "none.csv"))
    assert existing.read_text(encoding="utf-8") == KEPT


def test_a_training_base_alone_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "base.csv"
    base.write_text(KEPT, encoding="utf-8")
    with pytest.raises(CommandError, match="--training-base is only used with --export-corrections"):
        _run("--training-base", str(base))


@pytest.mark.parametrize("where", ["folder", "no-folder", "empty"])
def test_an_unusable_output_path_is_refused(tmp_path: Path, where: str) -> None:
    target = {"folder": str(tmp_path), "no-folder": str(tmp_path / "nope" / "c.csv"), "empty": ""}[where]
    with pytest.raises(CommandError, match="--export-corrections"):
        _run("--export-corrections", target)


def test_a_good_base_replaces_the_file_whole(tmp_path: Path, existing: Path) -> None:
    base = tmp_path / "base.csv"
    base.write_text("\ufeff留言主题,留言详情,一级分类\n路灯,路灯不亮,城乡建设\n", encoding="utf-8")
    out = _run("--export-corrections", str(existing), "--training-base", str(base))
    assert "after the 1 rows of" in out
    assert existing.read_text(encoding="utf-8").splitlines()[1] == "路灯,路灯不亮,城乡建设,,,,"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.csv", "corrections.csv"]
