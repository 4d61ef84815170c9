"""Reloading the taxonomy file (`hotline load-taxonomy`) after the centre retired a 一级 in the admin: a new
category under the retired branch is added switched off, and the command says how many.
Adapted from the reviewer's /tmp/rv6/test_taxonomy_reload.py."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from hotline.taxonomy.models import Category
from hotline.taxonomy.services import load_taxonomy, save_category

pytestmark = pytest.mark.django_db

HEADER = "一级分类,二级分类,三级分类\n"


def _retire(tmp_path: Path) -> None:
    first = tmp_path / "v1.csv"
    first.write_text(HEADER + "旧部门事项,证照办理,营业执照\n", encoding="utf-8")
    load_taxonomy(first)
    top = Category.objects.get(full_name="旧部门事项")
    top.is_active = False
    save_category(top)  # the admin's 停用: the whole branch
    assert not Category.objects.filter(full_name__startswith="旧部门事项", is_active=True).exists()


def test_a_new_leaf_under_a_retired_branch_is_added_switched_off(tmp_path: Path) -> None:
    _retire(tmp_path)
    second = tmp_path / "v2.csv"
    second.write_text(HEADER + "旧部门事项,证照办理,营业执照\n旧部门事项,证照办理,食品经营许可\n"
                      "旧部门事项,资质认定,建筑资质\n新部门事项,证照办理,营业执照\n", encoding="utf-8")
    load_taxonomy(second)
    added = {c.full_name: c.is_active for c in Category.objects.filter(
        full_name__in=["旧部门事项/证照办理/食品经营许可", "旧部门事项/资质认定", "旧部门事项/资质认定/建筑资质",
                       "新部门事项", "新部门事项/证照办理", "新部门事项/证照办理/营业执照"])}
    assert added == {"旧部门事项/证照办理/食品经营许可": False, "旧部门事项/资质认定": False,
                     "旧部门事项/资质认定/建筑资质": False,  # below a new node added switched off
                     "新部门事项": True, "新部门事项/证照办理": True, "新部门事项/证照办理/营业执照": True}
    for category in Category.objects.all():
        category.full_clean()  # an active category needs an active parent


def test_the_command_says_how_many_were_added_switched_off(tmp_path: Path) -> None:
    _retire(tmp_path)
    second = tmp_path / "v2.csv"
    second.write_text(HEADER + "旧部门事项,证照办理,食品经营许可\n旧部门事项,资质认定,建筑资质\n", encoding="utf-8")
    out = StringIO()
    call_command("load_taxonomy", "--path", str(second), stdout=out)
    assert "新增 3 个" in out.getvalue()
    assert "3 个新分类的上级已停用，已按停用新增" in out.getvalue()
    out = StringIO()
    call_command("load_taxonomy", "--path", str(second), stdout=out)  # nothing new: nothing to say
    assert "新增 0 个" in out.getvalue() and "已按停用新增" not in out.getvalue()
