"""Reading the dispatch catalogue."""

from __future__ import annotations

from hotline.orgs.models import HandlingUnit
from hotline.routing.models import DispatchRule
from hotline.taxonomy.models import Category


def rule_for(category: Category | None, area: HandlingUnit | None) -> DispatchRule | None:
    """The most specific active rule: the deepest category match, then an area match over city-wide."""
    if category is None:
        return None
    chain = category.ancestors_and_self()
    depth = {c.pk: c.level for c in chain}
    areas = [None]
    node = area
    while node is not None:
        areas.append(node)
        node = node.parent
    candidates = DispatchRule.objects.filter(category__in=chain, is_active=True).select_related(
        "lead_unit", "category", "area")
    best: tuple[tuple[int, int], DispatchRule] | None = None
    for rule in candidates:
        if rule.area is not None and (area is None or not area.is_within(rule.area)):
            continue
        rank = (depth[rule.category_id], rule.area.depth + 1 if rule.area else 0)
        if best is None or rank > best[0]:
            best = (rank, rule)
    return best[1] if best else None
