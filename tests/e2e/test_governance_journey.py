"""End-to-end journey of 每月一题 (主动治理: a recurring problem taken on as a project), in the browser.

Residents keep calling about electric bikes charged in stairwells. The leader takes it on (立项) with 住建局
leading and 桂花坪街道 assisting; 住建局's handler finds it under 本单位待办 and files the plan; the street
reports progress; 住建局 asks for verification; the leader sends it back with a reason; 住建局 reports
again; the leader verifies and closes it. The theme's record shows every step, and in English the page
reads in English.

Only the generic step forms, the status tag, the record and the effect table are asserted on.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login
from tests.e2e.test_journeys import nav, step, submit
from tests.e2e.world import World, make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=10_000)

LEAD, ASSIST = "市住房和城乡建设局", "A2区桂花坪街道"
TITLE = "老旧小区电动自行车楼道充电治理"
PROBLEM = "本月多次接到反映：老旧小区居民把电动自行车推进楼道充电、飞线充电，堵塞消防通道，存在火灾隐患。"
PLAN = "一、摸排 A2区老旧小区充电需求；二、会同街道新建集中充电棚 12 处；三、联合物业开展楼道清理。"
PROGRESS = "桂花坪街道已完成 9 个小区摸排，选定充电棚点位 5 处，清理楼道电动车 43 辆。"
RESULT = "已建成集中充电棚 12 处并投入使用，楼道充电基本消除。"
SEND_BACK = "新开铺社区 3 栋仍有飞线充电，请补充整改后再申请验收。"
RESULT_AGAIN = "新开铺社区 3 栋飞线已拆除，加装充电桩 8 个；复查未再发现楼道充电。"
ACCEPT = "经现场核查，整改到位，同意销号。"


def expect_theme_status(page: Page, label: str) -> None:
    """The status tag in the theme page's heading."""
    expect(page.locator(".page-head h1 .tag").first).to_have_text(label)


def record(page: Page):  # noqa: ANN201
    """The rows of the theme's record (专题记录)."""
    return page.locator("section[aria-labelledby=h-record] tbody tr")


def open_theme(page: Page, *, tab: str | None = None) -> None:
    """From the governance list (optionally one tab), open the theme by its title."""
    nav(page, "每月一题")
    if tab is not None:
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.locator("nav.tabs a", has_text=tab).click()
    link = page.locator("table.themes").get_by_role("link", name=TITLE, exact=True)
    with page.expect_navigation(wait_until="domcontentloaded"):
        link.click()
    expect(page.locator("h1")).to_contain_text(TITLE)


def test_theme_from_adoption_to_closed(page: Page, world: World) -> None:
    """立项 → 本单位待办 → 方案 → 协办进展 → 申请验收 → 退回整改 → 申请验收 → 验收销号; the record and English."""
    for no, text in enumerate(["楼道里好几辆电动车在充电，电线从窗户拉下来，太危险了。",
                               "小区居民把电动车推进楼道充电，消防通道都堵了，请管一管。"]):
        make_order(world, text, title="楼道电动车充电隐患", category=world.category("物业服务"),
                   district=world.unit("D-A2"), street=world.unit("S-A2-01"), phone=f"1380731{no:04d}")
    due = timezone.localdate() + timedelta(days=30)

    # The leader takes the problem on: 住建局 leads, the street assists.
    login(page, "leader")
    nav(page, "每月一题")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("link", name="新建专题", exact=True).click()
    form = page.locator("form.theme-form")
    form.locator("[name=title]").fill(TITLE)
    form.locator("[name=problem]").fill(PROBLEM)
    form.locator("select[name=lead]").select_option(label=LEAD)
    form.locator("select[name=assisting]").select_option(label=[ASSIST])
    form.locator("[name=due_date]").fill(due.isoformat())
    form.locator("[name=keywords]").fill("电动车 充电")
    submit(page, form.locator("button[type=submit]"))
    expect(page.locator("ul.messages li.success")).to_have_text(f"已立项：{TITLE}")
    expect_theme_status(page, "已立项")
    expect(page.locator("dd.next-party")).to_have_text(LEAD)
    this_month = page.locator("table.effect tbody tr", has_text=f"{timezone.localdate():%Y-%m}")
    expect(this_month.locator("td.n")).to_have_text("2")
    expect(page.locator("details[data-action]")).not_to_have_count(0)  # the centre may adjust or cancel
    expect(page.locator("details[data-action='plan']")).to_have_count(0)

    # 住建局's handler finds it under 本单位待办 and files the plan.
    login(page, "zhujian")
    open_theme(page, tab="本单位待办")
    expect(page.locator("dd.own-role")).to_have_text("牵头")
    step(page, "plan", fill={"plan": PLAN})
    expect_theme_status(page, "整改中")

    # The assisting street reports progress (it may not ask for verification).
    login(page, "a2street1")
    open_theme(page)
    expect(page.locator("dd.own-role")).to_have_text("配合")
    expect(page.locator("details[data-action='report']")).to_have_count(0)
    step(page, "progress", fill={"note": PROGRESS})
    expect_theme_status(page, "整改中")

    # 住建局 asks for verification.
    login(page, "zhujian")
    open_theme(page, tab="本单位待办")
    step(page, "report", fill={"result": RESULT})
    expect_theme_status(page, "待验收")
    expect(page.locator("dd.next-party")).to_have_text("热线中心")

    # The leader sends it back with a reason; 住建局 reports again.
    login(page, "leader")
    open_theme(page)
    step(page, "send_back", fill={"reason": SEND_BACK})
    expect_theme_status(page, "整改中")
    login(page, "zhujian")
    open_theme(page, tab="本单位待办")
    step(page, "report", fill={"result": RESULT_AGAIN})
    expect_theme_status(page, "待验收")

    # The leader verifies and closes it.
    login(page, "leader")
    open_theme(page)
    step(page, "accept", fill={"note": ACCEPT})
    expect_theme_status(page, "已销号")
    expect(page.locator("section.steps details[data-action]")).to_have_count(0)
    rows = record(page)
    expect(rows).to_have_count(7)
    actions = ["立项", "报送整改方案", "报送进展", "申请验收", "退回整改", "申请验收", "验收销号"]
    for row, (action, text) in enumerate(zip(actions, [LEAD, PLAN, PROGRESS, RESULT, SEND_BACK, RESULT_AGAIN,
                                                       ACCEPT], strict=True)):
        expect(rows.nth(row).locator("td").nth(1)).to_have_text(action)
        expect(rows.nth(row)).to_contain_text(text)
    expect(rows.nth(2)).to_contain_text(ASSIST)
    expect(rows.nth(1)).to_contain_text(LEAD)
    expect(page.locator("dt:text-is('销号时间') + dd")).to_have_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"))

    # In English the page reads in English.
    switch = page.locator("form.lang")
    switch.locator("select[name=language]").select_option("en")
    with page.expect_navigation(wait_until="domcontentloaded"):
        switch.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect_theme_status(page, "Closed")
    expect(page.locator("#h-record")).to_have_text("Theme record")
    expect(page.locator("#h-effect")).to_have_text("Effect")
    english = [cell.strip() for cell in rows.locator("td:nth-child(2)").all_inner_texts()]
    assert english == ["Adopt", "File the plan", "Report progress", "Ask for verification", "Send back for more work",
                       "Ask for verification", "Verify and close"]
    labels = page.locator(".page-head dl.fields dt").all_inner_texts()
    assert labels and not [label for label in labels if re.search(r"[\u4e00-\u9fff]", label)], labels
