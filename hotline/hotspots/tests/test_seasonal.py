"""Seasonal early warnings over the orders: the one grouped query, what is counted, the page, the command."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.hotspots import seasonal
from hotline.orgs.choices import UnitKind
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Channel
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import SHANGHAI, CategoryFactory, HandlingUnitFactory, UserFactory

#: The clock of these tests (factories.NOW): 4 March 2025. The coming 30 days: 2025-03-04 → 04-02.
TODAY = date(2025, 3, 4)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def city(db: None) -> dict:
    """Two districts and three level-3 categories: catkins (a spring season), lamps (flat), heating (winter)."""
    a1 = HandlingUnitFactory(name="A1区人民政府", kind=UnitKind.DISTRICT)
    a2 = HandlingUnitFactory(name="A2区人民政府", kind=UnitKind.DISTRICT)
    top = CategoryFactory(name="城乡建设")
    middle = CategoryFactory(name="城市建设和市政管理", parent=top)
    return {"a1": a1, "a2": a2, "middle": middle,
            "green": CategoryFactory(name="园林绿化", parent=middle),
            "lamp": CategoryFactory(name="城市公共设施", parent=middle),
            "heat": CategoryFactory(name="冬季采暖", parent=middle)}


def _orders(category, district, days: list[date], **extra) -> None:
    kind = extra.pop("request_type", RequestType.COMPLAINT)
    Ticket.objects.bulk_create([
        Ticket(query_code="000000", request_type=kind, title="t",
               description="d", category=category, district=district,
               registered_at=datetime(d.year, d.month, d.day, 10, tzinfo=SHANGHAI), **extra) for d in days])


def _spread(first: date, last: date, every: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(0, (last - first).days, every)]


@pytest.fixture
def history(city: dict) -> dict:
    """Since 2024-01-01: lamps every 3 days everywhere; catkins every 12 days, plus 20 in A1 in last March."""
    _orders(city["lamp"], city["a2"], _spread(date(2024, 1, 1), TODAY, 3))
    _orders(city["green"], city["a1"], _spread(date(2024, 1, 1), TODAY, 12))
    _orders(city["green"], city["a1"], [date(2024, 3, 5) + timedelta(days=i) for i in range(20)])
    return city


def test_counts_in_one_query_citizens_only_confidential_counted(history, frozen_now, django_assert_num_queries):
    march = [date(2024, 3, 10)] * 3
    _orders(history["green"], history["a2"], march, channel=Channel.PROACTIVE)  # the centre's own: not demand
    _orders(history["green"], history["a2"], march, request_type=RequestType.PRAISE)  # 表扬: not a problem
    _orders(history["green"], history["a2"], march, is_confidential=True)  # 保密: counted
    years = seasonal.past_years(TODAY, 30, first_day=date(2024, 1, 1), today=TODAY)
    with django_assert_num_queries(1):
        keyed = seasonal.count_keys(years, level=3)
    green = history["green"].pk
    assert keyed[(green, history["a2"].pk)].window == (3,)
    # Both districts: A1's 20 extra and two of its every-12th days (03-13, 03-25), A2's 3 confidential.
    assert keyed[(green, None)].window == (20 + 2 + 3,)
    assert keyed[(green, None)].base[0] == keyed[(green, history["a1"].pk)].base[0] + 3


def test_orders_without_a_district_count_once_in_the_city_row(city, frozen_now):
    """Portal, API and transfer-in orders often name no district: they belong to the city row, once."""
    _orders(city["heat"], None, _spread(date(2023, 1, 1), TODAY, 4))
    _orders(city["heat"], city["a1"], [date(2024, 3, 10)])
    years = seasonal.past_years(TODAY, 30, first_day=date(2023, 1, 1), today=TODAY)
    keyed = seasonal.count_keys(years, level=3)
    city_row, a1 = keyed[(city["heat"].pk, None)], keyed[(city["heat"].pk, city["a1"].pk)]
    no_district = Ticket.objects.filter(district__isnull=True, registered_at__gte=datetime(
        2024, 3, 4, tzinfo=SHANGHAI), registered_at__lt=datetime(2025, 3, 4, tzinfo=SHANGHAI)).count()
    assert city_row.base[0] == no_district + 1 and a1.base[0] == 1


def test_level_two_rolls_the_categories_up(history, frozen_now):
    years = seasonal.past_years(TODAY, 30, first_day=date(2024, 1, 1), today=TODAY)
    keyed = seasonal.count_keys(years, level=2)
    assert {key[0] for key in keyed} == {history["middle"].pk}


def test_report_groups_districts_under_their_category(history, frozen_now):
    found = seasonal.compute(TODAY, 30)
    assert [y.label for y in found.years] == ["2024"]
    assert len(found.groups) == 1
    group = found.groups[0]
    assert (group.rank, group.city.category, group.city.district_id) == (1, "园林绿化", None)
    assert group.city.season.is_warning and group.city.season.index > 1.5
    assert [r.district for r in group.districts] == ["A1区人民政府"]
    assert found.keys == 4  # 2 categories city-wide + (catkins, A1) and (lamps, A2)


def test_no_full_year_no_warning(city, frozen_now):
    _orders(city["green"], city["a1"], _spread(date(2024, 10, 1), TODAY, 1))
    found = seasonal.compute(TODAY, 30)
    assert found.years == () and found.groups == ()


def _client(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def test_page_shows_the_warning_and_links(history, frozen_now):
    page = _client(Role.DISPATCHER).get(reverse("hotspots-seasonal"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "园林绿化" in body and "A1区人民政府" in body and "全市" in body
    assert "registered_from=2024-03-04&amp;registered_to=2024-04-02" in body
    assert "channel=proactive" in body and "派发主动治理工单（未诉先办）" in body
    assert "城市公共设施" not in body  # flat: no warning


def test_page_shows_the_proactive_orders_already_raised_on_a_warning(history, frozen_now):
    """A dispatcher who raised one for the season sees it on the row (city-wide and its district), not a fresh start."""
    _orders(history["green"], history["a1"], [TODAY - timedelta(days=2)], channel=Channel.PROACTIVE)
    _orders(history["green"], history["a1"], [TODAY - timedelta(days=90)], channel=Channel.PROACTIVE)  # last season's
    body = _client(Role.DISPATCHER).get(reverse("hotspots-seasonal")).content.decode()
    assert body.count("已派发主动治理工单 1 件") == 2  # the 全市 row and A1's
    assert f"channel=proactive&amp;category={history['green'].pk}&amp;registered_from=2025-02-02" in body
    first = seasonal.report(TODAY, 30)
    assert seasonal.raised(first)[(history["green"].pk, None)] == 1


def test_page_without_the_proactive_button_for_leaders(history, frozen_now):
    body = _client(Role.LEADER).get(reverse("hotspots-seasonal")).content.decode()
    assert "园林绿化" in body and "channel=proactive" not in body


@pytest.mark.parametrize("query", ["?start=2025-13-01", "?days=0", "?days=abc", "?days=400", "?start=1800-01-01"])
def test_bad_values_are_explained(history, frozen_now, query):
    page = _client(Role.SUPERVISOR).get(reverse("hotspots-seasonal") + query)
    assert page.status_code == 400
    assert "messages" in page.content.decode() and "园林绿化" in page.content.decode()


def test_page_refuses_other_roles(history):
    assert _client(Role.UNIT_HANDLER).get(reverse("hotspots-seasonal")).status_code == 403


def test_page_in_english(history, frozen_now):
    client = _client(Role.SUPERVISOR)
    body = client.get(reverse("hotspots-seasonal"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Seasonal early warnings" in body and "Whole city" in body


def test_weekly_page_links_the_seasonal_page(history, frozen_now):
    body = _client(Role.SUPERVISOR).get(reverse("hotspots-weekly")).content.decode()
    assert reverse("hotspots-seasonal") in body


def test_command_from_the_database(history, frozen_now):
    out = StringIO()
    call_command("seasonal", "--days", "30", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert any("园林绿化" in line and "【预警】" in line for line in lines)
    assert lines[-1] == "seasonal: keys=4 warnings=1 start=2025-03-04 days=30"


def test_command_from_a_file_reports_bad_rows(tmp_path, db):
    path = tmp_path / "m.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["留言编号", "留言主题", "留言时间", "留言详情", "一级标签"])
        day = date(2022, 1, 1)
        while day < date(2024, 12, 31):
            label = "城乡建设" if day.month == 12 or day.day % 10 == 0 else "交通运输"
            if day.day % 3 == 0:
                writer.writerow(["1", "s", f"{day:%Y/%m/%d} 09:00:00", "内容", label])
            day += timedelta(days=1)
        writer.writerow(["2", "s", "昨天", "内容", "城乡建设"])
    out, err = StringIO(), StringIO()
    call_command("seasonal", "--data", str(path), "--start", "2024-12-01", stdout=out, stderr=err)
    assert "留言时间无法识别" in err.getvalue()
    assert "城乡建设" in out.getvalue()
    assert out.getvalue().strip().splitlines()[-1].startswith("seasonal: keys=2 warnings=1 start=2024-12-01")
    with pytest.raises(CommandError):
        call_command("seasonal", "--days", "0")
