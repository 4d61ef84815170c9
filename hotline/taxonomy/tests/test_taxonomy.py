"""The category taxonomy loader (诉求分类): counts, parents, utility marks, idempotence."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from hotline.taxonomy.models import Category
from hotline.taxonomy.services import is_utility_name, load_taxonomy, read_taxonomy

UTILITY_LEAVES = {
    "城乡建设/城市建设和市政管理/自来水供应",
    "城乡建设/城市建设和市政管理/电力供应",
    "城乡建设/城市建设和市政管理/燃气供应",
    "城乡建设/城市建设和市政管理/冬季采暖",
}


def test_the_shipped_file_has_15_103_390_distinct_names() -> None:
    """15 一级, 103 distinct 二级 and 390 distinct 三级 names (118 and 517 nodes once keyed by full name)."""
    rows = read_taxonomy()
    assert len({r[0] for r in rows}) == 15
    assert len({r[1] for r in rows}) == 103
    assert len({r[2] for r in rows}) == 390
    assert len({r[:2] for r in rows}) == 118
    assert len(rows) == 517


@pytest.mark.django_db
def test_load_builds_the_three_levels_keyed_by_full_name() -> None:
    """Every node once, with its level and parent; repeated names under different parents stay apart."""
    assert load_taxonomy() == 15 + 118 + 517
    counts = {level: Category.objects.filter(level=level).count() for level in (1, 2, 3)}
    assert counts == {1: 15, 2: 118, 3: 517}
    names = {level: set(Category.objects.filter(level=level).values_list("name", flat=True)) for level in (1, 2, 3)}
    assert [len(names[level]) for level in (1, 2, 3)] == [15, 103, 390]
    leaf = Category.objects.select_related("parent__parent").get(full_name="城乡建设/住房保障与房地产/物业服务")
    assert (leaf.level, leaf.parent.full_name, leaf.parent.parent.full_name) == (3, "城乡建设/住房保障与房地产", "城乡建设")
    assert Category.objects.filter(level=1, parent__isnull=False).count() == 0
    assert Category.objects.filter(level__in=[2, 3], parent__isnull=True).count() == 0
    # "安全生产" is a 二级 name under two 一级 parents: two nodes.
    assert Category.objects.filter(level=2, name="安全生产").count() == 2


@pytest.mark.django_db
def test_utility_categories_are_water_power_gas_heating() -> None:
    """Exactly the 水电气热 leaves are marked; water conservancy (水利水电) is not household supply."""
    load_taxonomy()
    assert set(Category.objects.filter(is_utility=True).values_list("full_name", flat=True)) == UTILITY_LEAVES
    assert not is_utility_name("农村农业/水利水电/防汛抗旱")
    assert is_utility_name("某类/市政/停水抢修")


@pytest.mark.django_db
def test_loading_twice_changes_nothing_and_updates_in_place(tmp_path: Path) -> None:
    """A second load finds every node; `overwrite` restores the file's values on the existing rows."""
    load_taxonomy()
    before = dict(Category.objects.values_list("full_name", "pk"))
    assert load_taxonomy() == len(before)
    assert dict(Category.objects.values_list("full_name", "pk")) == before

    Category.objects.filter(full_name="城乡建设/城市建设和市政管理/自来水供应").update(is_utility=False, name="x")
    load_taxonomy()  # a plain re-run keeps what the admin changed
    assert Category.objects.get(full_name="城乡建设/城市建设和市政管理/自来水供应").name == "x"
    load_taxonomy(overwrite=True)
    water = Category.objects.get(full_name="城乡建设/城市建设和市政管理/自来水供应")
    assert (water.name, water.is_utility, water.pk) == ("自来水供应", True, before[water.full_name])

    extra = tmp_path / "taxonomy.csv"
    extra.write_text("一级分类,二级分类,三级分类\n城乡建设,城市建设和市政管理,供热管网\n,,\n", encoding="utf-8")
    assert load_taxonomy(extra) == 3
    assert Category.objects.count() == len(before) + 1
    assert Category.objects.get(full_name="城乡建设/城市建设和市政管理/供热管网").is_utility


@pytest.mark.django_db
def test_load_taxonomy_command_prints_the_count() -> None:
    """`hotline load-taxonomy` loads and says how many categories there are."""
    out = StringIO()
    call_command("load_taxonomy", stdout=out)
    assert "650" in out.getvalue()
    assert Category.objects.count() == 650
