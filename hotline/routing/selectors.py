"""Reading the dispatch catalogue."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, Sum

from hotline.core import memo
from hotline.orgs.models import HandlingUnit
from hotline.routing.models import DispatchRule
from hotline.taxonomy.models import Category


def rule_for(category: Category | None, area: HandlingUnit | None) -> DispatchRule | None:
    """The most specific active rule: the deepest category match, then an area match over city-wide.

    An entry whose lead unit is switched off (停用) is passed over, as the recommender's snapshot does
    (`catalogue()`): nobody may dispatch to that unit, so it binds no dispatch."""
    if category is None:
        return None
    chain = category.ancestors_and_self()
    depth = {c.pk: c.level for c in chain}
    candidates = DispatchRule.objects.filter(category__in=chain, is_active=True,
                                             lead_unit__is_active=True).select_related(
        "lead_unit", "category", "area")
    best: tuple[tuple[int, int], DispatchRule] | None = None
    for rule in candidates:
        if rule.area is not None and (area is None or not area.is_within(rule.area)):
            continue
        rank = (depth[rule.category_id], rule.area.depth + 1 if rule.area else 0)
        if best is None or rank > best[0]:
            best = (rank, rule)
    return best[1] if best else None


# --- An in-memory snapshot of the catalogue for the recommender (one query per call when unchanged) ----------

#: Seconds a snapshot is trusted without looking; edits in this process invalidate it at once (signals),
#: edits in another process are seen at the latest after this, or at once when rules are added or removed or a
#: unit is saved (switched off or on, renamed, moved: `HandlingUnit.version`, `_stamp`).
CATALOGUE_TTL = 60.0


@dataclass(frozen=True)
class Entry:
    """One active catalogue entry as the recommender needs it (units as (id, name, kind))."""

    rule_id: int
    category: str
    area_path: str
    area_depth: int
    area_name: str
    lead: tuple[int, str, str]
    assisting: tuple[tuple[int, str, str], ...]
    legal_basis: str


class Catalogue:
    """All active entries by category, the category tree, and the most-specific-rule lookup."""

    def __init__(self, entries: list[Entry], by_category: dict[int, list[Entry]],
                 categories: dict[int, tuple[int | None, int, str]]) -> None:
        self.entries = entries
        self.by_category = by_category
        self.categories = categories  # id → (parent id, level, name)
        self.level1 = {name: pk for pk, (_parent, level, name) in categories.items() if level == 1}

    def chain(self, category_id: int | None) -> list[int]:
        """The category and its parents, nearest first."""
        found: list[int] = []
        while category_id is not None and category_id in self.categories and category_id not in found:
            found.append(category_id)
            category_id = self.categories[category_id][0]
        return found

    def rule_for(self, category_id: int | None, area_path: str = "") -> Entry | None:
        """Like `rule_for`: the deepest category match, then the deepest area containing `area_path`."""
        best: tuple[tuple[int, int], Entry] | None = None
        for pk in self.chain(category_id):
            level = self.categories[pk][1]
            for entry in self.by_category.get(pk, ()):
                if entry.area_path and not (area_path and area_path.startswith(entry.area_path)):
                    continue
                rank = (level, entry.area_depth + 1 if entry.area_path else 0)
                if best is None or rank > best[0]:
                    best = (rank, entry)
        return best[1] if best else None


_snapshot: dict[str, Any] = {"catalogue": None, "stamp": None, "at": 0.0}
_lock = threading.Lock()


def invalidate(*args: Any, **kwargs: Any) -> None:
    """Forget the snapshot (connected to the catalogue's save/delete signals)."""
    _snapshot["catalogue"] = None


def _stamp() -> tuple:
    """What changes when the catalogue changes in another process, in three aggregate queries: how many rules and
    categories there are and their largest ids (one added or removed); the sum of the units' `version`, which
    every save of a unit raises (a lead or assisting unit switched off or on elsewhere, as the gazetteer and
    other unit caches are keyed, `hotline.orgs.places`), with how many units are active (a bulk `update()`
    raises no `version`)."""
    rules = DispatchRule.objects.aggregate(n=Count("id"), top=Max("id"))
    categories = Category.objects.aggregate(n=Count("id"), top=Max("id"))
    units = HandlingUnit.objects.aggregate(saves=Sum("version"), n=Count("id"),
                                           on=Count("id", filter=Q(is_active=True)))
    return (rules["n"], rules["top"], categories["n"], categories["top"],
            units["saves"], units["n"], units["on"])


def catalogue() -> Catalogue:
    """The current snapshot of the catalogue (rebuilt when stale, changed or invalidated)."""
    stamp = memo.once("routing.catalogue_stamp", _stamp)
    with _lock:
        current = _snapshot["catalogue"]
        if current is not None and _snapshot["stamp"] == stamp and time.monotonic() - _snapshot["at"] < CATALOGUE_TTL:
            return current
    categories = {pk: (parent, level, name) for pk, parent, level, name in
                  Category.objects.values_list("pk", "parent_id", "level", "name")}
    entries: list[Entry] = []
    by_category: dict[int, list[Entry]] = {}
    rules = (DispatchRule.objects.filter(is_active=True, lead_unit__is_active=True)
             .select_related("category", "area", "lead_unit").prefetch_related("assisting_units"))
    for rule in rules:
        entry = Entry(
            rule_id=rule.pk, category=rule.category.full_name, area_path=rule.area.path if rule.area else "",
            area_depth=rule.area.depth if rule.area else -1, area_name=rule.area.name if rule.area else "",
            lead=(rule.lead_unit.pk, rule.lead_unit.name, rule.lead_unit.kind),
            assisting=tuple((u.pk, u.name, u.kind) for u in rule.assisting_units.all() if u.is_active),
            legal_basis=rule.legal_basis,
        )
        entries.append(entry)
        by_category.setdefault(rule.category_id, []).append(entry)
    built = Catalogue(entries, by_category, categories)
    with _lock:
        _snapshot.update(catalogue=built, stamp=stamp, at=time.monotonic())
    return built
