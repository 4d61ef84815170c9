"""Editing the taxonomy by hand: no loops, at most three levels, level and full name derived and carried down."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from hotline.open311.selectors import service_row
from hotline.taxonomy.models import Category
from hotline.taxonomy.services import save_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree() -> dict[str, Category]:
    top = Category.objects.create(name="交通运输", level=1, full_name="交通运输")
    mid = Category.objects.create(name="客运管理", level=2, parent=top, full_name="交通运输/客运管理")
    leaf = Category.objects.create(name="出租车管理", level=3, parent=mid, full_name="交通运输/客运管理/出租车管理")
    other = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    return {"top": top, "mid": mid, "leaf": leaf, "other": other}


def test_a_category_cannot_move_below_itself(tree) -> None:  # noqa: ANN001
    top = tree["top"]
    for parent in (tree["top"], tree["leaf"]):
        top.parent = parent
        with pytest.raises(ValidationError) as refused:
            top.full_clean()
        assert refused.value.message_dict["parent"] == ["上级分类不能是本分类或其下级分类"]
        with pytest.raises(ValidationError):
            top.save()  # outside the admin too
    top.refresh_from_db()
    assert top.parent is None


def test_a_looping_category_chain_ends(tree) -> None:  # noqa: ANN001
    """Data already stored with a loop no longer hangs the services list or the SLA policy lookup."""
    Category.objects.filter(pk=tree["top"].pk).update(parent=tree["leaf"])
    leaf = Category.objects.get(pk=tree["leaf"].pk)
    assert [c.pk for c in leaf.ancestors_and_self()] == [tree["leaf"].pk, tree["mid"].pk, tree["top"].pk]
    assert service_row(leaf)["group"] == "交通运输"


def test_no_category_below_the_third_level(tree) -> None:  # noqa: ANN001
    deeper = Category(name="网约车", parent=tree["leaf"])
    with pytest.raises(ValidationError) as refused:
        deeper.full_clean()
    assert "parent" in refused.value.message_dict
    tree["mid"].parent = Category.objects.create(name="市政", level=2, parent=tree["other"], full_name="城乡建设/市政")
    # 客运管理 with its leaf below a 二级 node would reach a fourth level
    with pytest.raises(ValidationError):
        tree["mid"].full_clean()
    with pytest.raises(ValidationError):
        Category(name="a/b", parent=tree["top"]).full_clean()


def test_a_rename_or_move_carries_level_and_full_name_down(tree) -> None:  # noqa: ANN001
    mid = tree["mid"]
    mid.name = "客运"
    mid.full_clean()
    save_category(mid)
    assert Category.objects.get(pk=tree["leaf"].pk).full_name == "交通运输/客运/出租车管理"
    leaf = Category.objects.get(pk=tree["leaf"].pk)
    leaf.parent = tree["top"]
    save_category(leaf)
    leaf.refresh_from_db()
    assert (leaf.level, leaf.full_name) == (2, "交通运输/出租车管理")


def test_the_admin_derives_level_and_full_name(admin_client, tree) -> None:  # noqa: ANN001
    leaf = tree["leaf"]
    url = reverse("admin:taxonomy_category_change", args=[leaf.pk])
    data = {"name": "出租车及网约车管理", "parent": tree["mid"].pk, "level": "1", "full_name": "手填",
            "is_active": "on", "_save": "1"}
    assert admin_client.post(url, data).status_code == 302
    leaf.refresh_from_db()
    assert (leaf.level, leaf.full_name) == (3, "交通运输/客运管理/出租车及网约车管理")

    add = reverse("admin:taxonomy_category_add")
    data = {"name": "巡游出租车", "parent": tree["mid"].pk, "level": "1", "full_name": "巡游出租车",
            "is_active": "on", "_save": "1"}
    assert admin_client.post(add, data).status_code == 302
    new = Category.objects.get(name="巡游出租车")
    assert (new.level, new.full_name) == (3, "交通运输/客运管理/巡游出租车")

    top = tree["top"]
    response = admin_client.post(reverse("admin:taxonomy_category_change", args=[top.pk]),
                                 {"name": "交通运输", "parent": leaf.pk, "is_active": "on", "_save": "1"})
    assert response.status_code == 200 and "上级分类不能是本分类或其下级分类" in response.content.decode()
    top.refresh_from_db()
    assert top.parent is None


def test_a_rerun_of_load_taxonomy_keeps_admin_edits() -> None:
    call_command("load_taxonomy", stdout=StringIO())
    water = Category.objects.get(full_name="城乡建设/城市建设和市政管理/自来水供应")
    lamp = Category.objects.filter(level=3, is_utility=False).first()
    Category.objects.filter(pk=water.pk).update(is_utility=False, is_active=False)
    Category.objects.filter(pk=lamp.pk).update(is_utility=True)
    out = StringIO()
    call_command("load_taxonomy", stdout=out)
    assert "新增 0 个" in out.getvalue() and "不变" in out.getvalue()
    water.refresh_from_db()
    lamp.refresh_from_db()
    assert (water.is_utility, water.is_active, lamp.is_utility) == (False, False, True)
    call_command("load_taxonomy", "--overwrite", stdout=StringIO())
    water.refresh_from_db()
    lamp.refresh_from_db()
    assert (water.is_utility, lamp.is_utility) == (True, False)
