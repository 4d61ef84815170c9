"""The dashboard pages and JSON endpoints: shapes, figures on small known data, and who may see what."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Org
from hotline.accounts.choices import Role
from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import Cast, CategoryFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(org: Org, frozen_now: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """Three orders in 东城区 (two to 东华门街道, one closed) and one in 西城区, counted by the signal."""
    lamp = CategoryFactory(name="城市管理")
    east, west = Cast.build(lead=org.street_a), Cast.build(lead=org.other_street)
    with django_capture_on_commit_callbacks(execute=True):
        a = make_ticket(Status.CLOSED, cast=east, channel=Channel.PHONE, category=lamp, district=org.district)
        b = make_ticket(Status.IN_PROGRESS, cast=east, channel=Channel.WECHAT, category=lamp, district=org.district)
        c = make_ticket(Status.DISPATCHED, cast=west, channel=Channel.PHONE, district=org.other_district)
        d = make_ticket(Status.ANSWERED, cast=east, channel=Channel.PHONE)
    return {"org": org, "lamp": lamp, "tickets": [a, b, c, d]}


def _client(role: str, units: list | None = None) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role, units=units or []))
    return client


def test_leader_sees_the_whole_centre(city: dict[str, Any]) -> None:
    org = city["org"]
    data = _client(Role.LEADER).get(reverse("dashboard-data"), {"month": "2025-03"}).json()
    assert data["month"] == "2025-03" and len(data["days"]) == 31
    k = data["kpis"]
    assert (k["created"], k["answered"], k["dispatched"], k["finished"], k["volume"]) == (4, 1, 3, 2, 4)
    assert k["direct_rate"] == 25.0 and k["satisfaction_rate"] == 100.0
    channels = {s["key"]: s["total"] for s in data["by_channel"]}
    assert channels == {"phone": 3, "wechat": 1}
    day = data["days"].index("2025-03-04")
    assert next(s for s in data["by_channel"] if s["key"] == "phone")["data"][day] == 3
    assert {s["key"]: s["total"] for s in data["by_type"]} == {"complaint": 4}
    assert {"id": city["lamp"].pk, "name": "城市管理", "count": 2} in data["categories"]
    assert {"id": 0, "name": "未分类", "count": 2} in data["categories"]
    assert {d["name"]: d["count"] for d in data["districts"]} == {"东城区": 2, "西城区": 1, "未填区": 1}
    units = {u["name"]: u for u in data["units"]}
    assert units["东华门街道"]["received"] == 2 and units["东华门街道"]["open"] == 1
    assert units["东华门街道"]["finished"] == 1 and units["西长安街街道"]["open"] == 1
    assert data["satisfaction"][-1] == {"month": "2025-03", "visits": 1, "satisfied": 1, "basically": 0,
                                        "unsatisfied": 0, "satisfaction_rate": 100.0, "resolve_rate": 100.0}
    assert len(data["satisfaction"]) == 12
    assert data["hotspots"]["source"] in {"mined", "rollups"} and data["hotspots"]["items"]
    assert org.street_a.pk in {u["id"] for u in data["units"]}


def test_unit_admin_sees_only_its_subtree(city: dict[str, Any]) -> None:
    org = city["org"]
    data = _client(Role.UNIT_ADMIN, [org.district]).get(reverse("dashboard-data"), {"month": "2025-03"}).json()
    assert data["scope"] == "东城区"
    assert data["kpis"]["volume"] == 2  # received by 东华门街道; 西城区's order and the direct answer are not theirs
    assert data["kpis"]["created"] == 0 and data["kpis"]["direct_rate"] is None
    assert {u["id"] for u in data["units"]} == {org.street_a.pk}
    assert {d["name"] for d in data["districts"]} == {"东城区"}
    other = _client(Role.UNIT_ADMIN, [org.other_district]).get(reverse("dashboard-data"), {"month": "2025-03"}).json()
    assert other["kpis"]["volume"] == 1 and {u["id"] for u in other["units"]} == {org.other_street.pk}
    page = _client(Role.UNIT_ADMIN, [org.district]).get(reverse("dashboard"), {"month": "2025-03"})
    assert page.status_code == 200
    assert "西长安街街道" not in page.content.decode()


@pytest.mark.parametrize("name", ["dashboard", "dashboard-data", "dashboard-screen", "dashboard-screen-data"])
def test_refused_to_people_without_dashboards(city: dict[str, Any], name: str) -> None:
    assert Client().get(reverse(name)).status_code == 302  # anonymous (citizens): to the sign-in page
    for role in (Role.INTAKE, Role.DISPATCHER, Role.UNIT_HANDLER):
        assert _client(role, [city["org"].street_a]).get(reverse(name)).status_code == 403


def test_month_page_renders_charts_and_tables(city: dict[str, Any]) -> None:
    response = _client(Role.SUPERVISOR).get(reverse("dashboard"), {"month": "2025-03"})
    html = response.content.decode()
    assert response.status_code == 200
    for chart in ("by_channel", "by_type", "categories", "districts", "units", "satisfaction"):
        assert f'data-chart="{chart}"' in html
    assert html.count("<table") >= 7  # every chart has its table
    assert 'id="dashboard-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert "东华门街道" in html and "城市管理" in html


def test_bad_month_is_refused_with_a_reason(city: dict[str, Any]) -> None:
    client = _client(Role.LEADER)
    response = client.get(reverse("dashboard-data"), {"month": "2025-13"})
    assert response.status_code == 400 and "YYYY-MM" in response.json()["error"]
    page = client.get(reverse("dashboard"), {"month": "março"})
    assert page.status_code == 400 and "YYYY-MM" in page.content.decode()


def test_big_screen_renders_and_serves_fresh_figures(city: dict[str, Any]) -> None:
    client = _client(Role.LEADER)
    page = client.get(reverse("dashboard-screen"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="screen"' in html and 'data-refresh="30"' in html
    assert f'data-source="{reverse("dashboard-screen-data")}"' in html
    assert 'data-field="today.overdue"' in html and 'data-chart="trend"' in html
    data = client.get(reverse("dashboard-screen-data")).json()
    assert data["today"]["volume"] == 4 and data["today"]["open"] == 2 and data["today"]["answered"] == 1
    assert data["trend"][data["days"].index("03-04")] == 4
    assert {"districts", "units", "hotspots", "month", "at"} <= set(data)


def test_hot_spots_from_the_rollups_rank_category_and_district(city: dict[str, Any]) -> None:
    from datetime import date

    from hotline.dashboards.selectors import Scope, growth_hotspots

    items = growth_hotspots(Scope(None, "全市"), date(2025, 3, 1), date(2025, 4, 1))
    top = items[0]
    assert (top["rank"], top["title"], top["place"], top["orders"], top["growth"]) == (1, "城市管理", "东城区", 2, 2)
    assert len(items) == 3


def test_payload_query_count_does_not_grow_with_orders(city: dict[str, Any],
                                                        django_capture_on_commit_callbacks: Any) -> None:
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hotline.dashboards.selectors import Scope, month_payload

    def queries() -> int:
        month_payload(Scope(None, "全市"), date(2025, 3, 1))  # warm (e.g. a stored hot-spot run)
        with CaptureQueriesContext(connection) as captured:
            month_payload(Scope(None, "全市"), date(2025, 3, 1))
        return len(captured)

    before = queries()
    org = city["org"]
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            make_ticket(Status.IN_PROGRESS, cast=Cast.build(lead=org.street_b), district=org.district)
    assert queries() == before


def test_unit_admin_without_a_unit_sees_nothing(city: dict[str, Any]) -> None:
    data = _client(Role.UNIT_ADMIN).get(reverse("dashboard-data"), {"month": "2025-03"}).json()
    assert data["kpis"]["volume"] == 0 and data["units"] == [] and data["districts"] == []
