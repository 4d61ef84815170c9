"""A taxonomy file with unusable rows is refused as a whole, naming each bad line and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hotline.taxonomy.models import Category
from hotline.taxonomy.services import PROBLEMS_SHOWN, TaxonomyFileError, read_taxonomy

pytestmark = pytest.mark.django_db

HEADER = "一级分类,二级分类,三级分类\n"


def _file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "taxonomy.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_each_bad_line_is_named_with_its_reason(tmp_path: Path) -> None:
    path = _file(tmp_path, "城建,市政,路灯\n城建,,\n\n城建,市政\n城建,市政/道路,井盖\n" + f"城建,市政,{'长' * 101}\n")
    with pytest.raises(TaxonomyFileError) as caught:
        read_taxonomy(path)
    assert caught.value.problems == [
        "第 3 行：缺少二级分类、三级分类",
        "第 5 行：缺少三级分类",
        "第 6 行：分类名称不能含有“/”（它分隔完整名称的各级）",
        "第 7 行：分类名称超过 100 个字",
    ]


def test_the_command_loads_nothing_and_says_which_lines(tmp_path: Path) -> None:
    path = _file(tmp_path, "城建,市政,路灯\n城建,市政,\n")
    with pytest.raises(CommandError, match=r"分类文件有 1 行不能加载，整个文件未加载：第 3 行：缺少三级分类"):
        call_command("load_taxonomy", "--path", str(path))
    assert not Category.objects.exists()


def test_a_long_list_of_problems_is_cut_and_counted(tmp_path: Path) -> None:
    path = _file(tmp_path, "城建,,\n" * (PROBLEMS_SHOWN + 5))
    with pytest.raises(TaxonomyFileError) as caught:
        read_taxonomy(path)
    assert len(caught.value.problems) == PROBLEMS_SHOWN + 5
    assert str(caught.value).endswith("另有 5 处")


def test_good_rows_blank_lines_and_repeats_still_load(tmp_path: Path) -> None:
    path = _file(tmp_path, "城建,市政,路灯\n,,\n\n城建,市政,路灯\n 城建 , 市政 , 井盖 \n")
    assert read_taxonomy(path) == [("城建", "市政", "路灯"), ("城建", "市政", "井盖")]
    assert len(read_taxonomy()) > 500  # the shipped file has no bad row
