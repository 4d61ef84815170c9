"""Hot spots over the orders in the database: runs, early warning, 每月一题, top_hotspots, the pages, the command."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.hotspots import selectors, services
from hotline.hotspots.models import Hotspot, HotspotRun
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import SHANGHAI, Cast, UserFactory, make_ticket

DATA = Path(__file__).parent / "data" / "messages_likes_slice.csv"
#: Monday of ISO week 2025-W10; the clock is frozen on Thursday of that week.
MONDAY = datetime(2025, 3, 3, tzinfo=SHANGHAI)
NOW = MONDAY + timedelta(days=3, hours=12)

LAMP = ("多福巷社区路灯不亮", "多福巷社区门口的路灯坏了好几天，晚上出行很不方便，请尽快维修路灯。")
NOISE = ("景山街道工地夜间施工噪音扰民", "景山街道某工地每天夜里施工到凌晨，噪音很大，居民无法休息。")
ODD = [("咨询新生儿医保办理流程", "孩子刚出生，请问医保在哪里办理，需要什么材料？"),
       ("公交站台广告牌破损", "东华门公交站台的广告牌玻璃碎了，存在安全隐患。")]


def _order(cast: Cast, title: str, body: str, at: datetime, phone: str, **extra: object):
    return make_ticket(Status.REGISTERED, cast=cast, at=at, title=title, description=body, caller_phone=phone,
                       **extra)


@pytest.fixture
def week_orders(db: None, traveller) -> dict[str, list]:
    """This week: 6 lamp orders (last week 1: a sudden rise), 3 noise orders (last week 3), 2 others."""
    traveller.move_to(NOW)
    cast = Cast.build()
    lamp = [_order(cast, *LAMP, MONDAY + timedelta(hours=9 + 5 * n), f"1380000000{n}") for n in range(6)]
    lamp_before = [_order(cast, *LAMP, MONDAY - timedelta(days=3), "13900000000")]
    noise = [_order(cast, *NOISE, MONDAY + timedelta(days=1, hours=n), f"1370000000{n}") for n in range(3)]
    noise_before = [_order(cast, *NOISE, MONDAY - timedelta(days=3, hours=n), f"1360000000{n}") for n in range(3)]
    odd = [_order(cast, title, body, MONDAY + timedelta(days=2), f"1350000000{n}")
           for n, (title, body) in enumerate(ODD)]
    secret = [_order(cast, *LAMP, MONDAY + timedelta(hours=10), "13300000000", is_confidential=True)]
    return {"lamp": lamp, "lamp_before": lamp_before, "noise": noise, "noise_before": noise_before,
            "odd": odd, "secret": secret}


def test_a_week_run_ranks_clusters_and_warns_on_sudden_growth(week_orders) -> None:
    run = services.compute(services.week_window("2025-W10"))
    spots = list(run.hotspots.order_by("rank"))
    assert run.kind == "week" and run.orders_considered == 15  # confidential order left out
    assert [s.orders for s in spots] == [6, 3]
    lamp, noise = spots
    assert "路灯" in lamp.title and lamp.people == 6 and lamp.previous_orders == 1
    assert lamp.growth == 6.0 and lamp.is_warning  # 6 ≥ 3 × 1 and ≥ 5
    assert noise.previous_orders == 3 and noise.growth == 1.0 and not noise.is_warning
    assert {m.ticket_id for m in lamp.members.all()} == {t.pk for t in week_orders["lamp"]}


def test_the_warning_thresholds_come_from_settings(week_orders, settings) -> None:
    settings.HOTLINE_HOTSPOT_WARN_MIN_ORDERS = 7
    run = services.compute(services.week_window("2025-W10"))
    assert not run.hotspots.filter(is_warning=True).exists()


def test_top_hotspots_uses_the_stored_run_and_computes_a_missing_one(week_orders) -> None:
    window = services.week_window("2025-W10")
    views = selectors.top_hotspots(window.start, window.end, limit=1)
    assert HotspotRun.objects.count() == 1
    (top,) = views
    assert top.rank == 1 and top.orders == 6 and top.people == 6 and top.growth == 6.0
    assert top.ticket_ids == sorted(t.pk for t in week_orders["lamp"])
    assert isinstance(top.heat, float) and top.first_at == MONDAY + timedelta(hours=9)
    assert top.last_at == MONDAY + timedelta(hours=34) and "路灯" in top.title
    computed_at = HotspotRun.objects.get().computed_at
    selectors.top_hotspots(window.start, window.end)  # fresh: not recomputed
    assert HotspotRun.objects.get().computed_at == computed_at


def test_a_stale_run_of_a_running_week_is_recomputed(week_orders, traveller) -> None:
    window = services.week_window("2025-W10")
    selectors.top_hotspots(window.start, window.end)
    first = HotspotRun.objects.get()
    traveller.shift(timedelta(hours=1))
    _order(Cast.build(), *LAMP, NOW + timedelta(minutes=30), "13800000099")
    views = selectors.top_hotspots(window.start, window.end)
    again = HotspotRun.objects.get()
    assert again.pk == first.pk and again.computed_at > first.computed_at  # updated in place
    assert views[0].orders == 7


def test_monthly_candidates_need_persistence_across_weeks(week_orders, traveller) -> None:
    window, run, candidates = selectors.monthly_candidates("2025-03")
    assert run is not None and window.start == datetime(2025, 3, 1, tzinfo=SHANGHAI)
    # Both clusters' March orders lie in W10 only: nothing persistent yet.
    assert candidates == []
    traveller.move_to(MONDAY + timedelta(days=8, hours=12))  # a week later: the month's run is stale
    _order(Cast.build(), *NOISE, MONDAY + timedelta(days=8), "13700000099")
    window, run, candidates = selectors.monthly_candidates("2025-03")
    assert [c.weeks_active for c in candidates] == [2]
    assert "噪音" in candidates[0].title


def test_bad_week_and_month_are_clear_errors() -> None:
    with pytest.raises(services.WindowError):
        services.week_window("2025-10")
    with pytest.raises(services.WindowError):
        services.month_window("March")


# --- Pages ---------------------------------------------------------------------------------------


def test_the_weekly_page_lists_hot_spots_and_the_warning(week_orders) -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    response = client.get(reverse("hotspots-weekly"), {"week": "2025-W10"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "多福巷社区路灯不亮" in page and "突增预警" in page and "景山街道工地夜间施工噪音扰民" in page
    spot = Hotspot.objects.get(rank=1)
    assert reverse("hotspot-detail", args=[spot.pk]) in page



@pytest.mark.parametrize(("role", "linked"), [(Role.DISPATCHER, False), (Role.INSPECTOR, False),
                                              (Role.SUPERVISOR, True), (Role.LEADER, True)])
def test_the_monthly_link_shows_only_to_those_who_may_open_it(week_orders, role: str, linked: bool) -> None:
    client = Client()
    client.force_login(UserFactory(role=role))
    page = client.get(reverse("hotspots-weekly"), {"week": "2025-W10"}).content.decode()
    assert (reverse("hotspots-monthly") in page) is linked

def test_the_detail_page_links_only_orders_the_person_may_see(week_orders) -> None:
    run = services.compute(services.week_window("2025-W10"))
    spot = run.hotspots.get(rank=1)
    client = Client()
    client.force_login(UserFactory(role=Role.SUPERVISOR))
    page = client.get(reverse("hotspot-detail", args=[spot.pk])).content.decode()
    assert all(t.number in page for t in week_orders["lamp"])


def test_unit_staff_and_anonymous_visitors_cannot_open_the_pages(week_orders) -> None:
    client = Client()
    assert client.get(reverse("hotspots-weekly")).status_code == 302  # to the sign-in page
    client.force_login(UserFactory(role=Role.UNIT_HANDLER))
    assert client.get(reverse("hotspots-weekly")).status_code == 403
    client.force_login(UserFactory(role=Role.INSPECTOR))
    assert client.get(reverse("hotspots-monthly")).status_code == 403


def test_the_monthly_page_for_leaders(week_orders) -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    response = client.get(reverse("hotspots-monthly"), {"month": "2025-03"})
    assert response.status_code == 200
    assert "每月一题候选" in response.content.decode()


def test_a_page_does_not_compute_a_window_with_too_many_orders(week_orders, settings) -> None:
    settings.HOTLINE_HOTSPOT_PAGE_COMPUTE_MAX_ORDERS = 3
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    response = client.get(reverse("hotspots-weekly"), {"week": "2025-W10"})
    assert response.status_code == 200 and not HotspotRun.objects.exists()
    assert "hotline hotspots --from-db" in response.content.decode()


# --- The command ---------------------------------------------------------------------------------


def test_the_command_writes_both_tables_from_a_message_file(tmp_path: Path) -> None:
    out = StringIO()
    call_command("hotspots", "--data", str(DATA), "--top", "5", "--output-dir", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert text.splitlines()[-1].startswith("hotspots: messages=40 rejected=0")
    with (tmp_path / "热点问题表.csv").open(encoding="utf-8-sig") as handle:
        issues = list(csv.DictReader(handle))
    assert list(issues[0]) == ["热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述"]
    assert "丽发新城" in issues[0]["地点/人群"] and "搅拌站" in issues[0]["问题描述"]
    assert "伊景园滨河苑" in issues[1]["问题描述"]
    assert (tmp_path / "热点问题表.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    with (tmp_path / "热点问题留言明细表.csv").open(encoding="utf-8-sig") as handle:
        details = list(csv.DictReader(handle))
    assert list(details[0]) == ["问题ID", "留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"]
    first = [row for row in details if row["问题ID"] == "1"]
    assert len(first) >= 8 and all("丽发新城" in row["留言主题"] for row in first)  # 10 in the slice


def test_the_command_reports_bad_rows_and_refuses_a_file_without_a_column(tmp_path: Path) -> None:
    rows = DATA.read_text(encoding="utf-8").splitlines()
    header = rows[0]
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join([header.replace("留言时间", "时间"), *rows[1:5]]), encoding="utf-8")
    with pytest.raises(CommandError, match="缺少列 留言时间"):
        call_command("hotspots", "--data", str(broken), "--output-dir", str(tmp_path))
    bad_time = tmp_path / "bad_time.csv"
    bad_time.write_text(header + "\n1,U1,标题,昨天,内容,0,0\n2,U2,标题,2019/1/2 10:00:00,内容,0,x\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="没有可用的留言"):
        call_command("hotspots", "--data", str(bad_time), "--output-dir", str(tmp_path), stderr=err)
    assert "第 2 行已跳过" in err.getvalue() and "第 3 行已跳过" in err.getvalue()
    with pytest.raises(CommandError, match="--data"):
        call_command("hotspots")


def test_the_command_computes_a_week_from_the_database(week_orders) -> None:
    out = StringIO()
    call_command("hotspots", "--from-db", "--week", "2025-W10", stdout=out)
    assert "突增预警" in out.getvalue()
    assert out.getvalue().splitlines()[-1].endswith("orders=15 hotspots=2")
    with pytest.raises(CommandError, match="无法识别的周"):
        call_command("hotspots", "--from-db", "--week", "W10")


def test_a_large_window_is_clustered_per_district(db: None, traveller, org, monkeypatch) -> None:
    traveller.move_to(NOW)
    monkeypatch.setattr(services, "BLOCK_BY_DISTRICT_ABOVE", 3)
    cast = Cast.build()
    east = [_order(cast, *LAMP, MONDAY + timedelta(hours=n), f"1380000001{n}", district=org.district)
            for n in range(2)]
    west = [_order(cast, *LAMP, MONDAY + timedelta(hours=n), f"1380000002{n}", district=org.other_district)
            for n in range(2)]
    run = services.compute(services.week_window("2025-W10"))
    clusters = [{m.ticket_id for m in spot.members.all()} for spot in run.hotspots.all()]
    assert sorted(clusters, key=min) == [{t.pk for t in east}, {t.pk for t in west}]
    monkeypatch.setattr(services, "BLOCK_BY_DISTRICT_ABOVE", 100)
    run = services.compute(services.week_window("2025-W10"))
    assert [spot.orders for spot in run.hotspots.filter(is_current=True)] == [4]
    assert run.hotspots.filter(is_current=False).count() == 1  # the merged-away spot is kept, not listed


def test_an_empty_week_has_an_empty_list(db: None, frozen_now: datetime) -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.SUPERVISOR))
    response = client.get(reverse("hotspots-weekly"), {"week": "bad"})  # an unreadable week: said, then this week
    assert response.status_code == 400
    assert "无法识别的周 bad" in response.content.decode()
    assert "本周没有热点问题" in response.content.decode()
    assert selectors.top_hotspots(MONDAY, MONDAY + timedelta(days=7)) == []


@pytest.mark.parametrize("reader, value", [
    (services.week_window, "9999-W52"), (services.week_window, "1999-W52"), (services.week_window, "2101-W01"),
    (services.month_window, "9999-12"), (services.month_window, "0001-01"), (services.month_window, "1999-12"),
])
def test_a_window_outside_2000_to_2100_is_a_clear_error(reader, value: str) -> None:  # noqa: ANN001
    with pytest.raises(services.WindowError, match="超出范围"):
        reader(value)


def test_the_first_and_last_windows_in_range_are_read() -> None:
    assert services.month_window("2000-01").previous.start.year == 1999
    assert services.month_window("2100-12").end.year == 2101
    assert services.week_window("2100-W52").start.year == 2100


@pytest.mark.parametrize("name, params", [
    ("hotspots-weekly", {"week": "9999-W52"}), ("hotspots-weekly", {"week": "abc"}),
    ("hotspots-weekly", {"week": "2025-W60"}), ("hotspots-monthly", {"month": "9999-12"}),
    ("hotspots-monthly", {"month": "0001-01"}), ("hotspots-monthly", {"month": "2026-13"}),
])
def test_a_page_asked_for_a_bad_period_says_so(db: None, frozen_now: datetime, name: str, params: dict) -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    response = client.get(reverse(name), params)
    assert response.status_code == 400
    page = response.content.decode()
    assert "超出范围" in page or "无法识别" in page
    assert next(iter(params.values())) in page


def test_monthly_candidates_are_numbered_in_their_own_order(db: None, frozen_now: datetime) -> None:
    window = services.month_window("2025-02")
    run = HotspotRun.objects.create(kind="month", start=window.start, end=window.end, computed_at=frozen_now)
    for rank, heat, weeks in [(1, 50.0, 2), (2, 45.0, 4), (3, 40.0, 1), (4, 30.0, 3)]:
        Hotspot.objects.create(run=run, rank=rank, heat=heat, title=f"问题{rank}", first_at=window.start,
                               last_at=window.start, orders=2, people=2, weeks_active=weeks)

    _window, _run, candidates = selectors.monthly_candidates("2025-02")

    assert [(c.rank, c.title) for c in candidates] == [(1, "问题2"), (2, "问题1"), (3, "问题4")]
