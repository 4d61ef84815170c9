"""A full name ("一级/二级/三级") longer than its column is refused in the admin, on a rename carried down,
and per line in a taxonomy file (PostgreSQL would refuse the row: a 500)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hotline.taxonomy.models import FULL_NAME_MAX, Category
from hotline.taxonomy.services import TaxonomyFileError, load_taxonomy, read_taxonomy, save_category

pytestmark = pytest.mark.django_db


def _node(name: str, parent: Category | None = None) -> Category:
    node = Category(name=name, parent=parent)
    node.level, node.full_name = node.derived()
    node.save()
    return node


def test_the_column_holds_the_full_name() -> None:
    assert Category._meta.get_field("full_name").max_length == FULL_NAME_MAX


def test_the_admin_refuses_a_full_name_longer_than_its_column(admin_client) -> None:  # noqa: ANN001
    mid = _node("乙" * 100, _node("甲" * 100))
    response = admin_client.post(reverse("admin:taxonomy_category_add"),
                                 {"name": "丙" * 100, "parent": mid.pk, "is_active": "on", "_save": "1"})
    assert response.status_code == 200
    assert "完整名称" in response.content.decode()
    assert not Category.objects.filter(parent=mid).exists()


def test_a_rename_that_would_lengthen_a_child_beyond_the_column_is_refused(admin_client) -> None:  # noqa: ANN001
    top = _node("甲")
    mid = _node("乙" * 100, top)
    leaf = _node("丙" * 100, mid)
    response = admin_client.post(reverse("admin:taxonomy_category_change", args=[top.pk]),
                                 {"name": "甲" * 100, "is_active": "on", "_save": "1"})
    assert response.status_code == 200
    assert "下级分类的完整名称超过" in response.content.decode()
    assert Category.objects.get(pk=top.pk).name == "甲"
    assert Category.objects.get(pk=leaf.pk).full_name == f"甲/{'乙' * 100}/{'丙' * 100}"


def test_the_service_refuses_a_carried_full_name_too_long_and_saves_nothing() -> None:
    top = _node("甲")
    leaf = _node("丙" * 100, _node("乙" * 100, top))
    top.name = "甲" * 100
    with pytest.raises(ValidationError):
        save_category(top)
    assert Category.objects.get(pk=top.pk).name == "甲"
    assert len(Category.objects.get(pk=leaf.pk).full_name) <= FULL_NAME_MAX


def test_a_taxonomy_line_with_a_too_long_full_name_is_named(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.csv"
    path.write_text("一级分类,二级分类,三级分类\n城乡建设,物业,垃圾\n" + ",".join(["甲" * 90] * 3) + "\n",
                    encoding="utf-8")
    with pytest.raises(TaxonomyFileError) as refused:
        read_taxonomy(path)
    assert refused.value.problems == [f"第 3 行：完整名称（一级/二级/三级）超过 {FULL_NAME_MAX} 个字"]
    with pytest.raises(TaxonomyFileError):
        load_taxonomy(path)
    assert not Category.objects.exists()
