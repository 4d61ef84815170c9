"""The dashboards' hot-spot panel and labels: no caller's numbers, growth against last month's same days,
and a 满意率 that says how it is counted."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Org
from hotline.accounts.choices import Role
from hotline.dashboards.selectors import Scope, growth_hotspots, previous_span
from hotline.hotspots.models import Hotspot, HotspotRun
from hotline.hotspots.services import month_window
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import SHANGHAI, Cast, CategoryFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

PHONE, ID_CARD = "13812345678", "430102198001011234"


def _client(role: str, units: list | None = None) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role, units=units or []))
    return client


@pytest.fixture
def lamps(org: Org, frozen_now: datetime, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """Today (2025-03-04) two lamp orders in 东城区; in February one on the 2nd and one on the 20th."""
    lamp = CategoryFactory(name="城市管理")
    cast = Cast.build(lead=org.street_a)
    with django_capture_on_commit_callbacks(execute=True):
        for at in (frozen_now, frozen_now, datetime(2025, 2, 2, 10, tzinfo=SHANGHAI),
                   datetime(2025, 2, 20, 10, tzinfo=SHANGHAI)):
            make_ticket(Status.DISPATCHED, cast=cast, at=at, category=lamp, district=org.district)
    return {"org": org, "lamp": lamp}


def test_the_previous_span_is_last_months_same_days() -> None:
    assert previous_span(date(2025, 3, 1), date(2025, 4, 1), date(2025, 3, 4)) == (date(2025, 2, 1), date(2025, 2, 5))
    assert previous_span(date(2025, 3, 1), date(2025, 4, 1), date(2025, 3, 31)) == (date(2025, 2, 1), date(2025, 3, 1))
    assert previous_span(date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 9)) == (date(2025, 2, 1), date(2025, 3, 1))


def test_growth_compares_with_the_same_days_of_last_month(lamps: dict[str, Any]) -> None:
    items = growth_hotspots(Scope(None, "全市"), date(2025, 3, 1), date(2025, 4, 1), today=date(2025, 3, 4))
    assert (items[0]["title"], items[0]["orders"], items[0]["growth"]) == ("城市管理", 2, 1)  # 2 − Feb 1–4's 1
    feb = growth_hotspots(Scope(None, "全市"), date(2025, 2, 1), date(2025, 3, 1), today=date(2025, 3, 4))
    assert (feb[0]["orders"], feb[0]["growth"]) == (2, 2)  # all of January: nothing


def test_a_unit_admin_is_told_its_hot_spots_are_by_category(lamps: dict[str, Any]) -> None:
    client = _client(Role.UNIT_ADMIN, [lamps["org"].district])
    data = client.get(reverse("dashboard-data"), {"month": "2025-03"}).json()
    assert data["hotspots"]["by"] == "category" and data["hotspots"]["previous"] == ["2025-02-01", "2025-02-04"]
    page = client.get(reverse("dashboard"), {"month": "2025-03"}).content.decode()
    assert "按分类统计的本单位本月收件量" in page and "2025-02-01 至 2025-02-04" in page
    assert "按分类和区统计" not in page


def test_mined_hot_spots_never_show_a_callers_numbers(org: Org, frozen_now: datetime) -> None:
    window = month_window("2025-03")
    run = HotspotRun.objects.create(kind="month", start=window.start, end=window.end, computed_at=frozen_now)
    Hotspot.objects.create(run=run, rank=1, heat=9.0, title=f"烧烤店噪音 联系人张伟 {PHONE} 身份证{ID_CARD}",
                           place=f"幸福里 {PHONE}", first_at=frozen_now, last_at=frozen_now, orders=4, people=4)
    client = _client(Role.LEADER)
    for name in ("dashboard-data", "dashboard-screen-data", "dashboard", "dashboard-screen"):
        body = client.get(reverse(name), {"month": "2025-03"} if name == "dashboard-data" else {}).content.decode()
        assert PHONE not in body and ID_CARD not in body, name
    screen = client.get(reverse("dashboard-screen-data")).json()
    assert screen["hotspots"][0]["title"] == "烧烤店噪音 联系人张** 138****5678 身份证430102********1234"
    assert screen["hotspots"][0]["place"] == "幸福里 138****5678"


def test_the_satisfaction_rate_says_it_counts_every_visit(lamps: dict[str, Any]) -> None:
    page = _client(Role.LEADER).get(reverse("dashboard"), {"month": "2025-03"}).content.decode()
    assert "满意率（按回访次数）" in page and "每件工单在期内的最后一次有效回访" in page
    screen = _client(Role.LEADER).get(reverse("dashboard-screen")).content.decode()
    assert "本月满意率（按回访次数）" in screen
