"""Loading the three-level category taxonomy (诉求分类) from its CSV file."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from hotline.taxonomy.models import MAX_LEVEL, Category

#: The shipped taxonomy (columns 一级分类,二级分类,三级分类).
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "taxonomy.csv"

#: Full names of the water, power, gas and heating matters (水电气热) in the shipped taxonomy.
UTILITY_FULL_NAMES = frozenset({
    "城乡建设/城市建设和市政管理/自来水供应",
    "城乡建设/城市建设和市政管理/电力供应",
    "城乡建设/城市建设和市政管理/燃气供应",
    "城乡建设/城市建设和市政管理/冬季采暖",
})
#: A leaf whose own name holds one of these words is a utility matter too (for other taxonomies).
UTILITY_WORDS = ("供水", "供电", "燃气", "供热", "停水", "停电", "采暖", "自来水")


def is_utility_name(full_name: str) -> bool:
    """Whether a category is a water/power/gas/heating (水电气热) matter, which has shorter time limits."""
    leaf = full_name.rsplit("/", 1)[-1]
    return full_name in UTILITY_FULL_NAMES or any(word in leaf for word in UTILITY_WORDS)


def read_taxonomy(path: Path | str | None = None) -> list[tuple[str, str, str]]:
    """The (一级, 二级, 三级) rows of a taxonomy file, in file order, without blanks or repeats."""
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    with open(path or DEFAULT_PATH, encoding="utf-8-sig", newline="") as fh:
        for record in csv.DictReader(fh):
            row = (record["一级分类"].strip(), record["二级分类"].strip(), record["三级分类"].strip())
            if all(row) and row not in seen:
                seen.add(row)
                rows.append(row)
    return rows


@transaction.atomic
def load_taxonomy(path: Path | str | None = None, *, overwrite: bool = False) -> int:
    """Load the category taxonomy (诉求分类) idempotently and return the number of categories in the file.

    Each node is keyed by its full name "一级/二级/三级", because the same 二级 name occurs under several
    一级 parents and 三级 names repeat across parents (the shipped file has 15 一级, 118 二级 and 517 三级
    nodes, made of 103 distinct 二级 and 390 distinct 三级 names). Missing nodes are created; existing rows
    keep what the centre set in the admin (name, 水电气热 flag, 启用) unless `overwrite` restores the file's
    name, level, parent and utility flag. A node renamed in the admin has a new full name, so a re-run
    without `overwrite` adds the file's original node again.

    Utility matters (水电气热, shorter SLA): the four leaves of 城乡建设/城市建设和市政管理 about water, power,
    gas and heating — 自来水供应, 电力供应, 燃气供应, 冬季采暖 — and any leaf whose name contains 供水, 供电,
    燃气, 供热, 停水, 停电, 采暖 or 自来水. Not chosen: 农村农业/水利水电 (water-conservancy works, flood
    control, rivers) and 经济管理/能源管理 (energy policy), which are not household supply.
    """
    existing = {c.full_name: c for c in Category.objects.all()}
    count = 0

    def upsert(name: str, full_name: str, level: int, parent: Category | None) -> Category:
        """Create or update one node, keyed by its full name."""
        nonlocal count
        count += 1
        utility = level == 3 and is_utility_name(full_name)
        node = existing.get(full_name)
        if node is None:
            node = Category.objects.create(name=name, full_name=full_name, level=level, parent=parent,
                                           is_utility=utility)
            existing[full_name] = node
        elif overwrite and (node.name, node.level, node.parent_id, node.is_utility) != (
                name, level, parent.pk if parent else None, utility):
            node.name, node.level, node.parent, node.is_utility = name, level, parent, utility
            node.save(update_fields=["name", "level", "parent", "is_utility"])
        return node

    done: dict[str, Category] = {}
    for first, second, third in read_taxonomy(path):
        names = [first, f"{first}/{second}", f"{first}/{second}/{third}"]
        parent: Category | None = None
        for level, (name, full_name) in enumerate(zip((first, second, third), names, strict=True), start=1):
            node = done.get(full_name)
            if node is None:
                node = done[full_name] = upsert(name, full_name, level, parent)
            parent = node
    return count


@transaction.atomic
def save_category(category: Category) -> Category:
    """Save a category edited by hand: its level and full name follow from the parent and the name,
    and a changed full name is carried down to every sub-category (the intake picker searches full names)."""
    category.level, category.full_name = category.derived()
    category.save()
    _carry_down(category)
    return category


def _carry_down(node: Category) -> None:
    """Re-derive the level and full name of the sub-tree below `node` (at most three levels deep)."""
    if node.level >= MAX_LEVEL:
        return
    for child in node.children.all():  # child.parent is `node`, as just saved
        level, full_name = child.derived()
        if (child.level, child.full_name) != (level, full_name):
            child.level, child.full_name = level, full_name
            child.save(update_fields=["level", "full_name"])
        _carry_down(child)
