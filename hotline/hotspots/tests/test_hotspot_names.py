"""A hot spot's title never shows a citizen's full name: masked when stored and wherever it is shown."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.hotspots import selectors, services
from hotline.hotspots.models import Hotspot, HotspotRun
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import SHANGHAI, Cast, UserFactory, make_ticket

MONDAY = datetime(2025, 3, 3, tzinfo=SHANGHAI)
NOW = MONDAY + timedelta(days=3, hours=12)
RAW = "业主李建国反映幸福里小区楼下烧烤店夜间噪音扰民"
MASKED = "业主李**反映幸福里小区楼下烧烤店夜间噪音扰民"


@pytest.fixture
def named(db: None, traveller) -> list:
    """Four orders this week whose title names the caller in full."""
    traveller.move_to(NOW)
    cast = Cast.build()
    return [make_ticket(Status.REGISTERED, cast=cast, at=MONDAY + timedelta(hours=9 + n), title=RAW,
                        description=f"{RAW}，每天夜里两点还在营业，请处理。", caller_phone=f"1390000000{n}")
            for n in range(4)]


def test_a_computed_hot_spot_is_stored_without_the_full_name(named) -> None:
    run = services.compute(services.week_window("2025-W10"))
    assert run.hotspots.get().title == MASKED


def test_a_hot_spot_stored_with_a_name_is_masked_wherever_it_is_shown(db: None, traveller) -> None:
    traveller.move_to(NOW + timedelta(days=30))  # the window is over: the stored run is not recomputed
    week = services.week_window("2025-W10")
    run = HotspotRun.objects.create(kind=week.kind, start=week.start, end=week.end, computed_at=week.end)
    spot = Hotspot.objects.create(run=run, rank=1, heat=9.0, title=RAW, place="幸福里小区", first_at=week.start,
                                  last_at=week.start, orders=4, people=4)
    (view,) = selectors.top_hotspots(week.start, week.end)
    assert view.title == MASKED
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    for page in (client.get(reverse("hotspots-weekly"), {"week": "2025-W10"}),
                 client.get(reverse("hotspot-detail", args=[spot.pk]))):
        assert page.status_code == 200
        assert "李建国" not in page.content.decode() and "李**" in page.content.decode()
