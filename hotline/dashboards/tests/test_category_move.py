"""A category moved in the admin (taxonomy reorganisation): its orders move on the dashboard's category panel
as on the KPI page, right after the commit (a big branch: the rest by `hotline rollups-rebuild --moved`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from hotline.dashboards import selectors
from hotline.dashboards.selectors import Scope
from hotline.kpis import engine, periods
from hotline.taxonomy.services import save_category
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_a_moved_category_moves_on_the_dashboard_as_on_the_kpi_page(
        frozen_now: datetime, django_capture_on_commit_callbacks: Any) -> None:
    road = CategoryFactory(name="城市管理")
    water = CategoryFactory(name="供水")
    lighting = CategoryFactory(name="照明", parent=road)
    lamp = CategoryFactory(name="路灯", parent=lighting)
    cast = Cast.build()
    with django_capture_on_commit_callbacks(execute=True):
        for _i in range(3):
            make_ticket(Status.CLOSED, cast=cast, category=lamp)
    # the centre reorganises its taxonomy: 照明 moves under 供水 (admin → 诉求分类 → parent)
    lighting.parent = water
    with django_capture_on_commit_callbacks(execute=True):  # the re-count follows the admin's commit
        save_category(lighting)
    today = timezone.localdate(frozen_now)
    ctx = engine.context(periods.month(today.year, today.month), as_of=frozen_now)
    kpi = {k: f.denominator for k, f in engine.breakdown("volume", ctx, None, "category").items()}
    assert kpi == {water.pk: 3}
    start, end = selectors.month_bounds(today)
    dash = {c["id"]: c["count"] for c in selectors.top_categories(Scope(None, "全市"), start, end)}
    assert dash == kpi, f"dashboard categories {dash} vs KPI page {kpi} (road={road.pk}, water={water.pk})"


def _moved_branch(on_commit: Any) -> tuple[Any, Any, Any, Any]:
    """照明 (under 城市管理, with 路灯 below it) and its orders, 停水 (under 供水) with one order of its own."""
    road, water = CategoryFactory(name="城市管理"), CategoryFactory(name="供水")
    lighting = CategoryFactory(name="照明", parent=road)
    lamp = CategoryFactory(name="路灯", parent=lighting)
    cast = Cast.build()
    with on_commit(execute=True):
        make_ticket(Status.CLOSED, cast=cast, category=lamp)
        make_ticket(Status.IN_PROGRESS, cast=cast, category=lighting)
        make_ticket(Status.REPLIED, cast=cast, category=lamp)
        make_ticket(Status.CLOSED, cast=cast, category=CategoryFactory(name="停水", parent=water))
    return road, water, lighting, lamp


def _by_category() -> dict[int, int]:
    today = timezone.localdate()
    return {c["id"]: c["count"] for c in selectors.top_categories(Scope(None, "全市"), *selectors.month_bounds(today))}


def test_the_moved_counts_equal_a_rebuild(frozen_now: datetime, django_capture_on_commit_callbacks: Any) -> None:
    from hotline.dashboards import services as rollups

    road, water, lighting, _lamp = _moved_branch(django_capture_on_commit_callbacks)
    assert _by_category() == {road.pk: 3, water.pk: 1}
    lighting.parent = water
    with django_capture_on_commit_callbacks(execute=True):
        save_category(lighting)
    assert _by_category() == {water.pk: 4}
    moved = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == moved  # every breakdown (hot spots' category × district too), every counter
    assert rollups.recount_moved().orders == 0  # nothing left to move


def test_a_big_branch_is_moved_up_to_the_inline_limit_and_the_command_moves_the_rest(
        frozen_now: datetime, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    from hotline.dashboards import receivers

    road, water, lighting, _lamp = _moved_branch(django_capture_on_commit_callbacks)
    monkeypatch.setattr(receivers, "RECOUNT_INLINE", 1)
    lighting.parent = water
    with django_capture_on_commit_callbacks(execute=True):
        save_category(lighting)
    assert _by_category() == {road.pk: 2, water.pk: 2}
    out = StringIO()
    call_command("rollups_rebuild", "--moved", stdout=out)
    assert json.loads(out.getvalue())["moved"] == 2
    assert _by_category() == {water.pk: 4}


def test_only_a_change_of_parent_sends_the_move(db: None, django_capture_on_commit_callbacks: Any) -> None:
    from hotline.taxonomy.services import category_moved

    sent: list[int] = []

    def record(sender: Any, *, category_id: int, **kwargs: Any) -> None:
        sent.append(category_id)

    category_moved.connect(record, dispatch_uid="test.category_moved")
    try:
        road, water = CategoryFactory(name="城市管理"), CategoryFactory(name="供水")
        lighting = CategoryFactory(name="照明", parent=road)
        with django_capture_on_commit_callbacks(execute=True):
            lighting.name = "城市照明"
            save_category(lighting)  # renamed only
        assert sent == []
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            lighting.parent = water
            save_category(lighting)
            assert sent == []  # not before the commit
        assert callbacks and sent == [lighting.pk]
    finally:
        category_moved.disconnect(dispatch_uid="test.category_moved")
