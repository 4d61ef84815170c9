"""Seeding the dispatch catalogue (派单目录) of the demo city A市 from the demo's responsibility table.

The demo (`hotline.demo.classify`) names, per category prefix, the city department or utility that
holds the power, and the local matters (属地管理) that the street of the address handles. The same
table becomes catalogue entries here, so the recommendation and the demo's history agree on the law:

* every prefix of `ROUTES` → a city-wide entry with that department/utility as lead;
* every local category → one entry per street (the street leads) and per district (the district
  government leads when only the district is known);
* every other level-1 category → one entry per district, led by the district government.

Call `seed_demo_catalogue()` after the demo's units and taxonomy exist (idempotent).
"""

from __future__ import annotations

from django.db import transaction

from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.routing.models import DispatchRule, DispatchSettings
from hotline.taxonomy.models import Category

DEPARTMENT_BASIS = "三定方案、权责清单（演示）"
LOCAL_BASIS = "街乡镇履职清单：属地管理（演示）"
DISTRICT_BASIS = "区政府属地兜底（演示）"


def _put(category: Category, area: HandlingUnit | None, lead: HandlingUnit, basis: str) -> None:
    DispatchRule.objects.update_or_create(category=category, area=area,
                                          defaults={"lead_unit": lead, "legal_basis": basis, "is_active": True})


@transaction.atomic
def seed_demo_catalogue(*, auto_dispatch: bool | None = None, threshold: float | None = None) -> int:
    """Create or refresh the demo catalogue; returns the number of entries. Optionally set auto-dispatch."""
    from hotline.demo.classify import LOCAL, ROUTES

    units = {u.code: u for u in HandlingUnit.objects.filter(is_active=True)}
    categories = {c.full_name: c for c in Category.objects.filter(is_active=True)}
    districts = [u for u in units.values() if u.kind == UnitKind.DISTRICT]
    streets = [u for u in units.values() if u.kind == UnitKind.STREET]
    done = 0
    for prefix, code in ROUTES.items():
        if prefix in categories and code in units:
            _put(categories[prefix], None, units[code], DEPARTMENT_BASIS)
            done += 1
    for name in LOCAL:
        category = categories.get(name)
        if category is None:
            continue
        for street in streets:
            _put(category, street, street, LOCAL_BASIS)
            done += 1
        for district in districts:
            _put(category, district, district, DISTRICT_BASIS)
            done += 1
    covered = {prefix.split("/")[0] for prefix in ROUTES}
    for category in categories.values():
        if category.level == 1 and category.name not in covered:
            for district in districts:
                _put(category, district, district, DISTRICT_BASIS)
                done += 1
    if auto_dispatch is not None or threshold is not None:
        settings = DispatchSettings.current()
        if auto_dispatch is not None:
            settings.auto_dispatch = auto_dispatch
        if threshold is not None:
            settings.threshold = threshold
        settings.save()
    return done
