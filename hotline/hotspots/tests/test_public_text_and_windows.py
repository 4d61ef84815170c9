"""Hot spots never show a caller's phone or ID number; pages name the spot's own window; no run for the future."""

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
PHONE, ID_CARD = "13812345678", "430102198001011234"
RAW = f"幸福里小区楼下烧烤店夜间噪音扰民 联系人张伟 {PHONE} 身份证{ID_CARD}"


def _client(role: str = Role.LEADER) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def _clean(text: str) -> bool:
    return PHONE not in text and ID_CARD not in text


@pytest.fixture
def noisy(db: None, traveller) -> list:
    """Four orders this week whose title and text carry a phone and an ID number."""
    traveller.move_to(NOW)
    cast = Cast.build()
    return [make_ticket(Status.REGISTERED, cast=cast, at=MONDAY + timedelta(hours=9 + n), title=RAW,
                        description=f"{RAW}，每天夜里两点还在营业，请处理。", caller_phone=f"1390000000{n}",
                        address=f"幸福里小区 {PHONE}")
            for n in range(4)]


def _raw_run(window: services.Window, computed_at: datetime) -> Hotspot:
    """A run stored before titles were scrubbed."""
    run = HotspotRun.objects.create(kind=window.kind, start=window.start, end=window.end, computed_at=computed_at)
    return Hotspot.objects.create(run=run, rank=3, heat=9.0, title=RAW, place=f"幸福里 {PHONE}",
                                  first_at=window.start, last_at=window.start, orders=4, people=4, weeks_active=2)


def test_a_computed_hot_spot_is_stored_scrubbed(noisy) -> None:
    run = services.compute(services.week_window("2025-W10"))
    spot = run.hotspots.get()
    assert _clean(spot.title) and _clean(spot.place)
    assert "138****5678" in spot.title and "430102********1234" in spot.title


def test_a_hot_spot_stored_raw_is_scrubbed_wherever_it_is_shown(db: None, traveller) -> None:
    traveller.move_to(NOW + timedelta(days=30))  # both windows are over: the stored runs are not recomputed
    week, month = services.week_window("2025-W10"), services.month_window("2025-03")
    weekly_spot = _raw_run(week, week.end)
    _raw_run(month, month.end)
    (view,) = selectors.top_hotspots(week.start, week.end)
    assert _clean(view.title) and _clean(view.place)
    client = _client()
    pages = [client.get(reverse("hotspots-weekly"), {"week": "2025-W10"}),
             client.get(reverse("hotspots-monthly"), {"month": "2025-03"}),
             client.get(reverse("hotspot-detail", args=[weekly_spot.pk]))]
    for page in pages:
        assert page.status_code == 200
        assert _clean(page.content.decode()) and "138****5678" in page.content.decode()


def test_the_detail_page_names_its_own_window_and_rank(db: None, traveller) -> None:
    traveller.move_to(NOW + timedelta(days=30))
    month = services.month_window("2025-03")
    spot = _raw_run(month, month.end)
    page = _client().get(reverse("hotspot-detail", args=[spot.pk])).content.decode()
    assert f'href="{reverse("hotspots-monthly")}?month=2025-03"' in page
    assert "热点问题 · 2025-03" in page and "本月热度排名第 3 位" in page
    monthly = _client().get(reverse("hotspots-monthly"), {"month": "2025-03"}).content.decode()
    assert "本月热度排名" in monthly and '<td class="n">3</td>' in monthly  # the candidate #1 is the month's #3
    week = services.week_window("2025-W10")
    weekly_spot = _raw_run(week, week.end)
    page = _client(Role.INSPECTOR).get(reverse("hotspot-detail", args=[weekly_spot.pk])).content.decode()
    assert f'href="{reverse("hotspots-weekly")}?week=2025-W10"' in page and "热度排名第 3 位" in page


def test_the_weekly_page_tells_this_weeks_orders_from_last_weeks(noisy) -> None:
    cast = Cast.build()
    make_ticket(Status.REGISTERED, cast=cast, at=MONDAY - timedelta(days=2), title="别的问题", caller_phone="13700000000")
    page = _client().get(reverse("hotspots-weekly"), {"week": "2025-W10"}).content.decode()
    assert "本周 4 件工单（含上周共 5 件参与聚类）" in page


def test_a_window_that_has_not_begun_is_not_computed(db: None, frozen_now: datetime) -> None:
    assert selectors.top_hotspots(*_bounds(services.month_window("2025-04"))) == []
    assert selectors.top_hotspots(*_bounds(services.week_window("2025-W11"))) == []
    assert not HotspotRun.objects.exists()
    page = _client().get(reverse("hotspots-weekly"), {"week": "2025-W11"}).content.decode()
    assert "该周尚未开始" in page and not HotspotRun.objects.exists()
    page = _client().get(reverse("hotspots-monthly"), {"month": "2027-01"}).content.decode()
    assert "该月尚未开始" in page and not HotspotRun.objects.exists()
    selectors.top_hotspots(*_bounds(services.month_window("2025-03")))  # the running month is computed
    assert HotspotRun.objects.count() == 1


def _bounds(window: services.Window) -> tuple[datetime, datetime]:
    return window.start, window.end
