"""End-to-end journeys over the supervision, insight and call-centre pages.

1. A supervisor opens the monthly dashboard (ECharts canvases, table fallbacks), changes the month, then
   opens the big screen (大屏) at 1920×1080, which fetches fresh figures by itself.
2. A leader reads the indicators (formulas in the tooltips), follows a figure to the orders behind it,
   reads the ranking of the units and downloads the monthly bulletin as PDF and XLSX.
3. A supervisor finds this week's hot spot (similar complaints) and follows it to its orders.
4. An intake agent answers a call: the PBX posts signed CTI events, the screen pop shows the caller's
   history and opens the intake page with the number filled in; the agent calls back an abandoned caller.
5. A supervisor plans seats (SVG charts) on simulated call history, reads the day's call metrics and a
   reply's quality findings (答复质检) on its order page; the other new pages open.

Setup data goes through the services (`tests/e2e/world.py`, `tests/e2e/insight_world.py`); the steps a
journey is about are taken in the browser. The journeys save the screenshots of docs/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from hotline.core import clock
from hotline.tickets.models import Ticket
from tests.e2e import insight_world as iw
from tests.e2e.conftest import login, shot
from tests.e2e.world import World, backlog, make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=10_000)

MONTH_CHARTS = ["by_channel", "by_type", "categories", "districts", "units", "satisfaction"]
SCREEN_CHARTS = ["trend", "districts", "units"]


# --- helpers -----------------------------------------------------------------------------------------


def nav(page: Page, label: str) -> None:
    """Follow a link of the top navigation."""
    link = page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True)
    with page.expect_navigation(wait_until="domcontentloaded"):
        link.click()


def follow(page: Page, link: Any) -> None:  # noqa: ANN401
    """Click a link and wait for the page it leads to, which must be a 2xx."""
    with page.expect_navigation(wait_until="domcontentloaded") as navigation:
        link.click()
    response = navigation.value
    assert response is not None and response.ok, f"{page.url} answered {response.status if response else '?'}"


def numbers(texts: list[str]) -> list[int]:
    """The integers of table cells."""
    return [int(t.strip()) for t in texts if t.strip().isdigit()]


def registered_in_month(first: date) -> int:
    """Orders registered in the (local) month starting on `first`, as the dashboard counts them."""
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    end = timezone.make_aware(datetime.combine((first + timedelta(days=32)).replace(day=1), datetime.min.time()))
    return Ticket.objects.filter(registered_at__gte=start, registered_at__lt=end).count()


def expect_canvases(page: Page, charts: list[str]) -> None:
    """ECharts drew every chart: each container holds a canvas with a size."""
    for name in charts:
        canvas = page.locator(f"[data-chart='{name}'] canvas").first
        expect(canvas).to_be_attached()
        width = canvas.evaluate("c => c.width")
        assert width > 0, f"the {name} chart's canvas is empty"


@pytest.fixture
def big_page(browser, live_server) -> Iterator[Page]:  # noqa: ANN001
    """A browser context at the big screen's size (1920×1080)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1920, "height": 1080},
                                  locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


# --- journeys ----------------------------------------------------------------------------------------


def test_dashboard_month_and_big_screen_refreshing_itself(page: Page, big_page: Page, world: World,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """数据看板: charts and their tables agree; another month; the big screen refreshes without a reload."""
    backlog(world)
    previous = iw.last_month_orders(world)
    month = f"{iw.last_month():%Y-%m}"

    login(page, "supervisor")
    nav(page, "数据看板")
    expect(page.locator("h1")).to_contain_text("数据看板")
    expect_canvases(page, MONTH_CHARTS)
    volume = int(page.locator(".kpi-strip dd.num").first.inner_text())
    assert volume == registered_in_month(timezone.localdate().replace(day=1)) > 0
    by_channel = numbers(page.locator("section:has([data-chart='by_channel']) table tbody td").all_text_contents())
    assert sum(by_channel) == volume  # the table fallback holds the chart's figures

    # Another month: last month's orders, charts drawn again.
    page.locator("#id_month").fill(month)
    follow(page, page.locator("form[action$='/dashboards/'] button[type=submit]"))
    expect(page.locator("h1")).to_contain_text(month)
    expect(page).to_have_url(re.compile(rf"month={month}"))
    expect_canvases(page, MONTH_CHARTS)
    assert registered_in_month(iw.last_month()) >= len(previous)
    expect(page.locator(".kpi-strip dd.num").first).to_have_text(str(registered_in_month(iw.last_month())))
    units = page.locator("section:has([data-chart='units']) table tbody")
    for name in ("市住房和城乡建设局", "市城市管理综合执法局", "市人力资源和社会保障局"):
        expect(units).to_contain_text(name)
    shot(page, "dashboard-month", full_page=True)

    # The big screen asks for fresh figures every few seconds (30 s in production).
    monkeypatch.setattr("hotline.dashboards.views.SCREEN_REFRESH_SECONDS", 3)
    login(big_page, "supervisor")
    big_page.goto("/dashboards/screen/")
    expect(big_page.locator("body.screen")).to_have_attribute("data-refresh", "3")
    expect_canvases(big_page, SCREEN_CHARTS)
    tile = big_page.locator("[data-field='today.volume']")
    stamp = big_page.locator("[data-field='at']")
    day, today, at = timezone.localdate(), int(tile.inner_text()), stamp.inner_text()
    expect(big_page.locator("[data-table='trend'] tbody tr").first).to_be_attached()  # filled by the script
    make_order(world, "暮云街道杨家山社区路口红绿灯损坏，早高峰车辆拥堵严重，请尽快维修。",
               title="杨家山路口红绿灯损坏", district=world.unit("D-A2"), phone="13807319876")
    with big_page.expect_response(lambda r: "/dashboards/screen/data.json" in r.url, timeout=35_000) as got:
        pass
    assert got.value.ok
    if timezone.localdate() == day:  # across local midnight "today" starts again from the new day's orders
        expect(tile).to_have_text(str(today + 1))
    expect(stamp).not_to_have_text(at)
    expect(big_page.locator("[data-stale]")).to_be_hidden()
    shot(big_page, "bigscreen")


def test_kpis_drill_down_ranking_and_bulletin(page: Page, world: World) -> None:
    """考核指标 → the orders behind a figure; 考核排名 ranks the departments; 月度通报 as PDF and XLSX."""
    previous = iw.last_month_orders(world)
    month = f"{iw.last_month():%Y-%m}"

    login(page, "leader")
    nav(page, "考核指标")
    expect(page.locator(".page-head")).to_contain_text(month)  # last month unless asked
    table = page.locator("table.kpi-table").first
    volume_row = table.locator("tbody tr").filter(has=page.locator("abbr", has_text=re.compile("^受理量$")))
    expect(volume_row.locator("abbr")).to_have_attribute("title", re.compile("受理量 = 统计期内登记的工单数"))
    satisfaction = table.locator("tbody tr").filter(has=page.locator("abbr", has_text=re.compile("^满意率$")))
    expect(satisfaction.locator("abbr")).to_have_attribute("title", re.compile(r"满意率 =（满意 \+ 折算系数"))
    expect(satisfaction.locator("td").first).to_have_text("100.00%")
    shot(page, "kpis")

    # The volume's figure opens the list of the very orders it counts.
    den = volume_row.locator("td").nth(2).get_by_role("link")
    expect(den).to_have_text(str(len(previous)))
    follow(page, den)
    expect(page.locator("h1")).to_have_text("受理量 · 分母工单")
    expect(page.locator(".result-count")).to_have_text(f"共 {len(previous)} 件")
    shot(page, "kpi-orders")
    page.go_back()

    # The satisfaction's numerator: the satisfied visits, one order each.
    closed = sum(1 for t in previous if t.status == "closed")
    num = satisfaction.locator("td").nth(1).get_by_role("link")
    expect(num).to_have_text(str(closed))
    follow(page, num)
    expect(page.locator("h1")).to_have_text("满意率 · 分子工单")
    expect(page.locator(".result-count")).to_have_text(f"共 {closed} 件")
    page.go_back()

    # The ranking: the department that closed everything first, the one with most orders still open last.
    follow(page, page.get_by_role("navigation", name="指标与考核").get_by_role("link", name="考核排名"))
    expect(page.locator("h1")).to_have_text("考核排名")
    departments = page.locator("section.card").filter(has=page.locator("h2", has_text="市直部门"))
    rows = departments.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.locator("th")).to_contain_text(["市住房和城乡建设局", "市城市管理综合执法局", "市人力资源和社会保障局"])
    expect(rows.locator("td:first-child")).to_have_text(["1", "2", "3"])
    scores = [float(s) for s in rows.locator("td:nth-child(4)").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1], scores
    shot(page, "assessment", full_page=True)

    # The bulletin, as the file the command writes.
    follow(page, page.get_by_role("navigation", name="指标与考核").get_by_role("link", name="月度通报"))
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK\x03\x04")):
        page.locator("input[name=month]").fill(month)
        page.locator("select[name=format]").select_option(fmt)
        with page.expect_download() as download:
            page.get_by_role("button", name="下载通报").click()
        assert download.value.suggested_filename == f"bulletin-{month}.{fmt}"
        with open(download.value.path(), "rb") as handle:
            assert handle.read(4) == magic, fmt


def test_hot_spots_of_the_week_link_to_their_orders(page: Page, world: World) -> None:
    """热点问题: similar complaints this week form a hot spot with a sudden-rise warning and its orders."""
    backlog(world)
    lamps = iw.lamp_cluster(world)

    login(page, "supervisor")
    nav(page, "热点问题")
    expect(page.locator("h1")).to_contain_text("热点问题")
    first = page.locator("table.grid tbody tr").first
    expect(first.locator("td").first).to_have_text("1")
    spot = first.get_by_role("link")
    expect(spot).to_contain_text("路灯")
    count = int(first.locator("td").nth(5).inner_text())
    assert count >= len(lamps), count
    expect(page.get_by_role("heading", name="突增预警")).to_be_visible()
    shot(page, "hotspots")

    follow(page, spot)
    expect(page.locator("h1")).to_contain_text("路灯")
    links = page.locator("table.grid tbody td.num a")
    expect(links).to_have_count(count)
    shown = set(links.all_inner_texts())
    assert {t.number for t in lamps} <= shown
    follow(page, links.filter(has_text=lamps[0].number))
    expect(page).to_have_url(re.compile(rf"/orders/{lamps[0].number}/$"))


def test_screen_pop_and_callback(page: Page, world: World, live_server) -> None:  # noqa: ANN001
    """来电弹屏 on an answered call, the intake page with the number; 漏接回拨 with an outcome."""
    orders = backlog(world)
    caller = orders[1].caller_phone  # the barbecue-smoke complaint's caller calls again
    pbx = iw.pbx(world, live_server.url)

    login(page, "agent1")
    nav(page, "受理登记")  # where an intake agent waits for calls
    expect(page.locator("#id_phone")).to_have_value("")
    pop = page.locator("#screen-pop")
    expect(pop).to_be_hidden()

    now = clock.now()
    answer = pbx.post([
        iw.event("e2e-1", "call.offered", now - timedelta(seconds=40), call_id="e2e-call-1", caller=caller),
        iw.event("e2e-2", "call.queued", now - timedelta(seconds=30), call_id="e2e-call-1"),
        iw.event("e2e-3", "call.answered", now - timedelta(seconds=20), call_id="e2e-call-1", agent=iw.EXTENSION),
    ])
    assert answer["accepted"] == 3
    expect(pop).to_be_visible(timeout=8_000)  # the banner asks every 2 s
    expect(pop.locator("strong")).to_contain_text(caller)
    expect(pop).to_contain_text("历史工单 1")
    expect(pop.get_by_role("link", name=orders[1].number)).to_be_visible()
    shot(page, "screen-pop")

    follow(page, pop.get_by_role("link", name="打开受理登记"))
    expect(page).to_have_url(re.compile(rf"\?phone={caller}$"))
    expect(page.locator("#id_phone")).to_have_value(caller)
    expect(page.locator("main")).to_contain_text(orders[1].number)  # the caller's history, on the intake page

    # A caller gave up in the queue ten minutes ago: a callback to make.
    gone, then = "13607318888", now - timedelta(minutes=10)
    pbx.post([
        iw.event("e2e-11", "call.offered", then, call_id="e2e-call-2", caller=gone),
        iw.event("e2e-12", "call.queued", then + timedelta(seconds=8), call_id="e2e-call-2"),
        iw.event("e2e-13", "call.abandoned", then + timedelta(seconds=58), call_id="e2e-call-2"),
        iw.event("e2e-4", "call.ended", now, call_id="e2e-call-1", agent=iw.EXTENSION, reason="normal"),
    ])
    expect(pop).to_be_hidden(timeout=8_000)  # the answered call has ended
    nav(page, "话务")  # the 话务 entry leads an intake agent to the callback queue
    expect(page.locator("h1")).to_have_text("漏接回拨")
    row = page.locator("table.board tbody tr").filter(has_text=gone)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待回拨")
    shot(page, "callbacks")
    follow(page, row.get_by_role("button", name="领取"))
    expect(page.locator("ul.messages li.success")).to_have_text("已领取，请回拨")
    expect(page.locator(".page-head .status")).to_have_text("回拨中")
    expect(page.locator("main")).to_contain_text("排队 50 秒")
    page.get_by_label("回拨结果").select_option(label="已联系")
    page.get_by_label("备注").fill("已回拨，来电人反映的问题已另行登记")
    follow(page, page.get_by_role("button", name="登记结果"))
    expect(page.locator("ul.messages li.success")).to_have_text("回拨结果已登记")
    expect(page.locator(".page-head .status")).to_have_text("已联系")
    expect(page.locator("main")).to_contain_text("已回拨，来电人反映的问题已另行登记")
    nav(page, "话务")
    expect(page.locator("table.board tbody")).to_contain_text("暂无待回拨来电")


def test_planner_call_metrics_and_the_other_pages(page: Page, world: World) -> None:
    """排班规划 draws its SVG charts from call history; 话务指标 and the other new pages open."""
    from hotline.calls.simulate import load_demo_calls

    loaded = load_demo_calls(days=8, calls_range=(160, 220))
    assert loaded.days == 8 and not loaded.skipped
    replied = iw.replied_order(world)

    login(page, "supervisor")
    nav(page, "排班规划")
    expect(page.locator("h1")).to_have_text("排班规划")
    figures = page.locator("figure.chart")
    expect(figures).to_have_count(3)
    for i in range(3):
        svg = figures.nth(i).locator("svg")
        expect(svg).to_be_visible()
        assert svg.locator("polyline, rect").count() > 0, f"chart {i} is empty"
    expect(figures.first.locator("polyline.forecast")).not_to_have_count(0)
    expect(page.locator("#h-basis + dl")).to_contain_text("8")
    shot(page, "planner", full_page=True)

    yesterday = timezone.localdate() - timedelta(days=1)
    nav(page, "话务")
    expect(page.locator("h1")).to_contain_text("话务指标")
    page.goto(f"/calls/metrics/?date={yesterday:%Y-%m-%d}")
    tiles = page.locator("section.kpis .kpi")
    expect(tiles).to_have_count(7)
    offered = int(tiles.nth(2).locator("strong").inner_text())
    assert offered > 100, offered
    shot(page, "call-metrics")

    # 答复质检: the reply waiting for review, its findings on the order page for the reviewer.
    nav(page, "答复质检")
    row = page.locator("table.grid tbody tr").filter(has_text=replied.number)
    expect(row).to_have_count(1)
    follow(page, row.get_by_role("link", name=replied.number))
    panel = page.locator("section.replyqa")
    expect(panel.locator("h2")).to_contain_text(re.compile(r"答复质检\s*\d+ 分 · "))
    expect(panel).to_contain_text("仅供审核参考")
    panel.scroll_into_view_if_needed()
    shot(page, "replyqa-panel")

    pages = {"/hotspots/monthly/": "每月一题", "/replyqa/": "答复质检", "/revisits/": "二次回访",
             "/data/export/": "数据导出", "/interop/partners/": "对接平台"}
    for url, heading in pages.items():
        response = page.goto(url)
        assert response is not None and response.ok, (url, response and response.status)
        expect(page.locator("main h1").first).to_contain_text(heading)
    response = page.goto("/api/v1/docs")
    assert response is not None and response.ok
