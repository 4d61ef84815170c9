"""Loading the three-level category taxonomy (诉求分类) from its CSV file."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from hotline.taxonomy.models import FULL_NAME_MAX, MAX_LEVEL, Category

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


#: Sent after the commit that moved a category to another parent (`category_id`: the moved node), so that
#: figures kept per level-1 category (the dashboards' rollups) follow its branch's orders.
category_moved = Signal()

#: Column names of a taxonomy file, by level.
COLUMNS = ("一级分类", "二级分类", "三级分类")
#: Longest category name (`Category.name`).
NAME_MAX = Category._meta.get_field("name").max_length
#: Problems named one by one before the rest are only counted.
PROBLEMS_SHOWN = 20


class TaxonomyFileError(ValueError):
    """A taxonomy file that cannot be loaded as it is; `problems` names each bad line and why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:PROBLEMS_SHOWN]
        more = f"；另有 {len(problems) - len(shown)} 处" if len(problems) > len(shown) else ""
        super().__init__("；".join(shown) + more)


def _row_problem(row: tuple[str, str, str]) -> str:
    """Why one row of a taxonomy file cannot be loaded ("" when it can)."""
    missing = [column for column, name in zip(COLUMNS, row, strict=True) if not name]
    if missing:
        return "缺少" + "、".join(missing)
    if any("/" in name for name in row):
        return "分类名称不能含有“/”（它分隔完整名称的各级）"
    if any(len(name) > NAME_MAX for name in row):
        return f"分类名称超过 {NAME_MAX} 个字"
    if len("/".join(row)) > FULL_NAME_MAX:
        return f"完整名称（一级/二级/三级）超过 {FULL_NAME_MAX} 个字"
    return ""


def read_taxonomy(path: Path | str | None = None) -> list[tuple[str, str, str]]:
    """The (一级, 二级, 三级) rows of a taxonomy file, in file order, without blank lines or repeats.

    A row missing a level, or with an unusable name, makes the whole file refused (`TaxonomyFileError`
    naming each such line), so that no half of a taxonomy is ever loaded. A missing column raises KeyError.
    """
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    problems: list[str] = []
    with open(path or DEFAULT_PATH, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for record in reader:
            row = tuple((record[column] or "").strip() for column in COLUMNS)
            if not any(row):  # a blank line, or commas only
                continue
            problem = _row_problem(row)  # type: ignore[arg-type]
            if problem:
                problems.append(f"第 {reader.line_num} 行：{problem}")
            elif row not in seen:
                seen.add(row)  # type: ignore[arg-type]
                rows.append(row)  # type: ignore[arg-type]
    if problems:
        raise TaxonomyFileError(problems)
    return rows


@transaction.atomic
def load_taxonomy(path: Path | str | None = None, *, overwrite: bool = False) -> int:
    """Load the category taxonomy (诉求分类) idempotently and return the number of categories in the file.

    Each node is keyed by its full name "一级/二级/三级", because the same 二级 name occurs under several
    一级 parents and 三级 names repeat across parents (the shipped file has 15 一级, 118 二级 and 517 三级
    nodes, made of 103 distinct 二级 and 390 distinct 三级 names). Missing nodes are created; existing rows
    keep what the centre set in the admin (name, 水电气热 flag, 启用) unless `overwrite` restores the file's
    name, level, parent and utility flag. A node created under a parent the centre switched off (停用) is
    created switched off as well (an active category needs an active parent, `Category.clean`), so a
    retired branch offers nothing new at intake. A node renamed in the admin has a new full name, so a re-run
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
        if node is None:  # under a branch the centre switched off, a new node is added switched off too
            node = Category.objects.create(name=name, full_name=full_name, level=level, parent=parent,
                                           is_utility=utility, is_active=parent is None or parent.is_active)
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
    and a changed full name is carried down to every sub-category (the intake picker searches full names).

    Switching a category off (停用) switches off its whole branch in the same transaction, so that no
    二级/三级 of a retired 一级 stays offered (intake search and picker, Open311 services, intake and
    correction checks all read each node's own 启用). Switching it back on re-enables only that node:
    the sub-categories the centre wants back are switched on one by one (an active node needs an active
    parent, `Category.clean`). A full name carried down beyond its column is refused (`ValidationError`)
    and nothing is saved. A category moved to another parent sends `category_moved` once committed.
    """
    category.level, category.full_name = category.derived()
    if category.is_active and category.parent_id is not None and not Category.objects.filter(
            pk=category.parent_id, is_active=True).exists():
        category.is_active = False  # its parent was switched off meanwhile (e.g. an earlier row of the list)
    stored = list(Category.objects.filter(pk=category.pk).values_list("parent_id", flat=True)) if category.pk else []
    category.save()
    _carry_down(category, switch_off=not category.is_active)
    if stored and stored[0] != category.parent_id:  # moved: its orders may belong to another 一级 now
        moved = category.pk
        transaction.on_commit(lambda: category_moved.send(sender=Category, category_id=moved))
    return category


def _carry_down(node: Category, *, switch_off: bool) -> None:
    """Re-derive the level and full name of the sub-tree below `node` (at most three levels deep), and
    switch it off when `switch_off`. Each changed row is saved on its own, so the admin's change log
    (`ops.admin_audit`) records it."""
    if node.level >= MAX_LEVEL:
        return
    for child in node.children.all():  # child.parent is `node`, as just saved
        level, full_name = child.derived()
        if len(full_name) > FULL_NAME_MAX:
            raise ValidationError({"name": _("改名后下级分类的完整名称超过 %(max)s 个字：%(name)s") % {
                "max": FULL_NAME_MAX, "name": full_name}})
        changed: list[str] = []
        if (child.level, child.full_name) != (level, full_name):
            child.level, child.full_name = level, full_name
            changed += ["level", "full_name"]
        if switch_off and child.is_active:
            child.is_active = False
            changed.append("is_active")
        if changed:
            child.save(update_fields=changed)
        _carry_down(child, switch_off=switch_off)
