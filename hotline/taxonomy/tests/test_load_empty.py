"""`hotline load-taxonomy --path`: a file with nothing to load, or an empty --path, is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hotline.taxonomy.models import Category

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["", "一级分类,二级分类,三级分类\n", "一级分类,二级分类,三级分类\n,,\n\n"])
def test_a_file_without_categories_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "taxonomy.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="分类文件没有可加载的分类"):
        call_command("load_taxonomy", "--path", str(path))
    assert not Category.objects.exists()


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_path_is_refused_not_read_as_the_shipped_file(value: str) -> None:
    with pytest.raises(CommandError, match="--path 为空"):
        call_command("load_taxonomy", "--path", value)
    assert not Category.objects.exists()
