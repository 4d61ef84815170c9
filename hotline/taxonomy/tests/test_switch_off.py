"""Switching a category off (停用) switches off its whole branch; switching it on again only itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.open311 import selectors as open311
from hotline.ops.models import AdminChange
from hotline.taxonomy.models import Category
from hotline.taxonomy.services import save_category
from hotline.workbench.intake.selectors import category_choices, search_categories

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch() -> dict[str, Category]:
    top = Category.objects.create(name="旧分类甲", level=1, full_name="旧分类甲")
    mid = Category.objects.create(name="中类", level=2, parent=top, full_name="旧分类甲/中类")
    leaf = Category.objects.create(name="叶子乙", level=3, parent=mid, full_name="旧分类甲/中类/叶子乙")
    return {"top": top, "mid": mid, "leaf": leaf}


def _active(*nodes: Category) -> list[bool]:
    return [Category.objects.get(pk=node.pk).is_active for node in nodes]


def test_switching_a_top_category_off_in_the_admin_retires_its_branch(admin_client, branch) -> None:  # noqa: ANN001
    top, mid, leaf = branch["top"], branch["mid"], branch["leaf"]
    response = admin_client.post(reverse("admin:taxonomy_category_change", args=[top.pk]),
                                 {"name": top.name, "is_active": "", "_save": "1"})
    assert response.status_code == 302
    assert _active(top, mid, leaf) == [False, False, False]
    assert leaf.pk not in [c.pk for c in search_categories("叶子乙")]
    assert leaf.pk not in [pk for _group, options in category_choices() for pk, _name in options]
    assert leaf.pk not in list(open311.services().values_list("pk", flat=True))
    audited = set(AdminChange.objects.filter(model="taxonomy.category").values_list("object_pk", flat=True))
    assert {str(top.pk), str(mid.pk), str(leaf.pk)} <= audited


def test_switching_off_from_the_list_retires_the_branch_too(admin_client, branch) -> None:  # noqa: ANN001
    top, mid, leaf = branch["top"], branch["mid"], branch["leaf"]
    response = admin_client.post(reverse("admin:taxonomy_category_changelist"), {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": mid.pk, "form-0-is_utility": "",
        "form-0-is_active": "", "_save": "Save"})
    assert response.status_code == 302
    assert _active(top, mid, leaf) == [True, False, False]


def test_switching_back_on_enables_only_that_category(branch) -> None:  # noqa: ANN001
    top, mid, leaf = branch["top"], branch["mid"], branch["leaf"]
    top.is_active = False
    save_category(top)
    top.is_active = True
    save_category(top)
    assert _active(top, mid, leaf) == [True, False, False]


def test_a_category_cannot_be_switched_on_below_a_switched_off_parent(admin_client, branch) -> None:  # noqa: ANN001
    top, mid = branch["top"], branch["mid"]
    top.is_active = False
    save_category(top)
    response = admin_client.post(reverse("admin:taxonomy_category_change", args=[mid.pk]),
                                 {"name": mid.name, "parent": top.pk, "is_active": "on", "_save": "1"})
    assert response.status_code == 200
    assert "已停用" in response.content.decode()
    assert _active(mid) == [False]
