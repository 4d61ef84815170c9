"""End-to-end journeys of 未诉先办 (proactive orders) and of return visits that reach nobody, in the browser.

1. 老旧小区电梯 is this month's 每月一题 theme, led by 住建局. The dispatcher opens the theme, follows
   「派发主动治理工单（未诉先办）」 and lands on the intake page filled from the theme (channel 主动发现, title,
   problem, category, district) with the caller's fields hidden; registers the order and dispatches it to
   住建局. 住建局 signs and replies; the inspector approves the reply and, instead of a 回访, checks the result
   on site (现场核查): not solved sends it back to 住建局, which replies again; solved closes it. The 回访 queue
   lists the order under 现场核查 while it waits, and the theme lists it among its proactive orders.
2. A citizen's order waits for its 回访: the inspector calls three times without reaching anyone; the form says
   how many calls went unanswered, the queue shows 未联系上 N/3, and the third call closes the order as
   unreachable (not a valid visit).

Setup data goes through the services; every step a journey is about is taken in the browser.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from hotline.governance import services as governance
from hotline.tickets import services
from tests.e2e.conftest import login
from tests.e2e.test_journeys import expect_status, nav, open_order, step, submit
from tests.e2e.world import World, make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=10_000)

LEAD = "市住房和城乡建设局"
DISTRICT = "A2区人民政府"
CATEGORY = "物业服务"
TITLE = "老旧小区电梯年检过期仍在运行"
PROBLEM = "本月多次接到反映：A2区部分老旧小区电梯年检过期仍在运行，频繁困人，物业拖延报检。"
FIRST_REPLY = "已督促桂花坪街道 3 个小区物业报检，电梯维保单位完成检修。"
CHECK_NOT_SOLVED = "现场核查：新开铺社区 2 台电梯年检仍过期，未见报检回执，退回继续整改。"
SECOND_REPLY = "新开铺社区 2 台电梯已完成年检并张贴合格证，物业建立维保台账。"
CHECK_SOLVED = "现场核查：电梯均已年检合格并张贴合格证，运行正常。"
PROACTIVE_HINT = "无来电群众；办结前由中心现场核查，不回访"
UNREACHABLE = "回访3次未联系上群众，工单办结（不计入有效回访）"


def timeline(page: Page):  # noqa: ANN201
    """The rows of the order's timeline (流转记录)."""
    return page.locator("section[aria-labelledby=h-timeline] tbody tr")


def visits(page: Page):  # noqa: ANN201
    """The rows of the order's 回访 / 现场核查 table."""
    return page.locator("section[aria-labelledby=h-visits] tbody tr")


def visits_queue_row(page: Page, number: str, *, tab: str):  # noqa: ANN201
    """From the navigation, the 回访 queue's tab `tab`, and the row of the order there."""
    nav(page, "回访")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("nav.tabs a", has_text=tab).click()
    expect(page).to_have_url(re.compile(r"/work/visits/"))
    return page.locator("table.orders tbody tr", has=page.get_by_role("link", name=number, exact=True))


def reply(page: Page, content: str) -> None:
    """住建局's handler answers the order (nobody to contact on a proactive order)."""
    step(page, "reply", fill={"content": content, "public_reply": content},
         select={"resolved": "1"})
    expect_status(page, "答复待审")


def approve(page: Page, number: str) -> None:
    """The inspector finds the order in 答复审核 and approves the reply; it then waits for its 现场核查."""
    login(page, "inspector")
    nav(page, "答复审核")
    open_order(page, number)
    step(page, "approve_reply", fill={"note": "答复规范，同意"})
    expect_status(page, "待回访")


def check_on_site(page: Page, *, resolved: bool, note: str) -> None:
    """The order page's 现场核查 step (the 回访 step of a proactive order): no caller, no satisfaction."""
    details = page.locator("details[data-action='return_visit']")
    expect(details.locator("summary")).to_have_text("现场核查")
    method = details.locator("select[name='return_visit-method']")
    expect(method.locator("option")).to_have_text(["现场核查"])
    expect(details.locator("[name='return_visit-contacted']")).to_have_count(0)
    expect(details.locator("[name='return_visit-satisfaction']")).to_have_count(0)
    expect(details).to_contain_text("已解决则办结；未解决则退回主办单位重办")
    step(page, "return_visit", select={"resolved": "1" if resolved else "0"}, fill={"note": note})


def test_proactive_order_from_a_theme_checked_on_site(page: Page, world: World) -> None:
    """每月一题 → 派发主动治理工单 → intake prefilled, caller hidden → 派单 → 签收, 答复 → 审核 → 现场核查 否 →
    重办 → 答复 → 审核 → 现场核查 是 → 已办结; the 回访 queue's 现场核查 tab and the theme's proactive orders."""
    theme = governance.adopt(actor=world.user("leader"), title=TITLE, problem=PROBLEM,
                             month=timezone.localdate().replace(day=1), lead=world.unit("DEPT-ZJ"),
                             due_date=timezone.localdate() + timedelta(days=30),
                             category=world.category(CATEGORY), district=world.unit("D-A2"), keywords="电梯")

    # The dispatcher opens the theme and raises a proactive order from it.
    login(page, "dispatcher")
    nav(page, "每月一题")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("table.themes").get_by_role("link", name=TITLE, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/governance/{theme.pk}/$"))
    proactive = page.locator("section[aria-labelledby=h-proactive]")
    expect(proactive).to_contain_text("尚无您可查看的主动治理工单。")
    with page.expect_navigation(wait_until="domcontentloaded"):
        proactive.get_by_role("link", name="派发主动治理工单（未诉先办）", exact=True).click()

    # The intake page, filled from the theme; the caller's fields are hidden (intake.js).
    expect(page.locator("h1")).to_have_text("受理登记")
    expect(page.locator("#id_channel option:checked")).to_have_text("主动发现（未诉先办）")
    expect(page.locator("#id_title")).to_have_value(TITLE)
    expect(page.locator("#id_description")).to_have_value(PROBLEM)
    expect(page.locator("#id_category option:checked")).to_contain_text(CATEGORY)
    expect(page.locator("#id_district option:checked")).to_have_text(DISTRICT)
    expect(page.locator("#proactive-hint")).to_be_visible()
    expect(page.locator("#proactive-hint")).to_contain_text(PROACTIVE_HINT)
    for field in ("phone", "caller_name", "caller_company"):
        expect(page.locator(f"#id_{field}")).to_be_hidden()
        expect(page.locator(f"#id_{field}")).to_be_disabled()
    expect(page.locator("#id_is_anonymous")).to_be_hidden()
    page.locator("input[name=request_type][value=complaint]").check()
    submit(page, page.get_by_role("button", name="登记并转派单"))
    number = re.search(r"/orders/(\w+)/$", page.url).group(1)
    expect(page.locator("ul.messages li.success")).to_contain_text(number)
    expect_status(page, "待派单")
    expect(page.locator("dt:text-is('渠道') + dd")).to_have_text("主动发现（未诉先办）")
    expect(page.locator("h1")).to_contain_text(TITLE)
    expect(page.locator("#h-visits")).to_have_text("现场核查")
    expect(page.locator("section[aria-labelledby=h-visits]")).to_contain_text(
        "主动发现的工单由中心现场核查办理结果，暂无核查记录。")

    # ... and dispatches it to the theme's lead unit from the order page.
    step(page, "dispatch", select={"lead": {"label": LEAD}}, fill={"note": "每月一题未诉先办，请住建局督促整改"})
    expect_status(page, "待签收")

    # The theme lists it among its proactive orders.
    page.goto(f"/governance/{theme.pk}/")
    expect(page.locator("section[aria-labelledby=h-proactive]").get_by_role(
        "link", name=number, exact=True)).to_be_visible()

    # 住建局 signs and replies.
    login(page, "zhujian")
    nav(page, "待办")
    open_order(page, number)
    step(page, "sign")
    expect_status(page, "办理中")
    reply(page, FIRST_REPLY)

    # The inspector approves; the 回访 queue shows the order under 现场核查, not 电话回访.
    approve(page, number)
    expect(visits_queue_row(page, number, tab="电话回访")).to_have_count(0)
    row = visits_queue_row(page, number, tab="现场核查")
    expect(row).to_have_count(1)
    expect(row.locator(".tag", has_text="现场核查")).to_be_visible()
    expect(row).not_to_contain_text("电话回访")

    # Not solved on site: back to 住建局 (重办).
    open_order(page, number)
    check_on_site(page, resolved=False, note=CHECK_NOT_SOLVED)
    expect_status(page, "办理中")
    expect(timeline(page).filter(has_text=CHECK_NOT_SOLVED)).to_contain_text("待回访 → 办理中")

    # 住建局 finds it under 待办 → 办理中 and replies again (its assignment is still signed).
    login(page, "zhujian")
    nav(page, "待办")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("nav.tabs a", has_text="办理中").click()
    open_order(page, number)
    expect(page.locator("details[data-action='sign']")).to_have_count(0)
    reply(page, SECOND_REPLY)

    # Approved, solved on site: closed.
    approve(page, number)
    check_on_site(page, resolved=True, note=CHECK_SOLVED)
    expect_status(page, "已办结")
    expect(timeline(page).filter(has_text=CHECK_SOLVED)).to_contain_text("待回访 → 已办结")
    rows = visits(page)
    expect(rows).to_have_count(2)
    for note, solved in ((CHECK_NOT_SOLVED, "否"), (CHECK_SOLVED, "是")):
        cells = rows.filter(has_text=note).locator("td")
        expect(cells).to_have_count(5)  # 核查时间, 核查人, 方式, 已解决, 核查情况: nobody reached, no satisfaction
        expect(cells.nth(2)).to_have_text("现场核查")
        expect(cells.nth(3)).to_have_text(solved)
        expect(cells.nth(4)).to_have_text(note)
    expect(page.locator("section[aria-labelledby=h-steps] details[data-action='return_visit']")).to_have_count(0)

    # Closed, it leaves the 回访 queue.
    expect(visits_queue_row(page, number, tab="全部")).to_have_count(0)


def test_a_citizen_never_reached_closes_at_the_third_call(page: Page, world: World) -> None:
    """A citizen's order in 待回访: 未联系上 three times on the order page; the form and the queue count the calls;
    the third closes the order as unreachable."""
    order = make_order(world, "暮云街道杨家山社区自来水水压很低，高层住户基本无水，请供水公司处理。",
                       title="杨家山社区水压低", category=world.category("自来水供应"), district=world.unit("D-A2"),
                       lead="UTIL-WATER", sign=True, phone="13907310042")
    order = services.reply(order, actor=world.user("water"), content="已更换加压泵，水压恢复正常。", contacted=True, resolved=True,
                           public_reply="已更换加压泵，水压恢复正常。")
    order = services.approve_reply(order, actor=world.user("inspector"))
    number = order.number

    login(page, "inspector")
    helps = ["第 3 次未联系上将办结（不计入有效回访）",
             "本轮已 1 次未联系上，第 3 次未联系上将办结（不计入有效回访）",
             "本轮已 2 次未联系上，第 3 次未联系上将办结（不计入有效回访）"]
    for attempt, help_text in enumerate(helps, start=1):
        row = visits_queue_row(page, number, tab="电话回访")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("电话回访")
        if attempt == 1:
            expect(row.locator(".tag.warn")).to_have_count(0)
        else:
            expect(row.locator(".tag.warn")).to_have_text(f"未联系上 {attempt - 1}/3")
        open_order(page, number)
        expect_status(page, "待回访")
        details = page.locator("details[data-action='return_visit']")
        expect(details.locator("summary")).to_have_text("回访")
        expect(details.locator("select[name='return_visit-method'] option", has_text="现场核查")).to_have_count(0)
        expect(details.locator("#id_return_visit-contacted_helptext")).to_have_text(help_text)
        step(page, "return_visit", select={"method": "phone", "contacted": "0"},
             fill={"note": f"第{attempt}次回访，电话无人接听"})
        expect_status(page, "待回访" if attempt < 3 else "已办结")

    # The third call closed it: the public timeline note, the visits, and the queue.
    closing = timeline(page).filter(has_text=UNREACHABLE)
    expect(closing).to_have_count(1)
    expect(closing).to_contain_text("待回访 → 已办结")
    expect(closing.locator("td").last).to_have_text("是")  # public
    rows = visits(page)
    expect(rows).to_have_count(3)
    for attempt in (1, 2, 3):
        expect(rows.filter(has_text=f"第{attempt}次回访").locator("td").nth(3)).to_have_text("否")
    expect(rows.filter(has_text="第3次回访")).to_contain_text("未联系上，工单办结（不计入有效回访）")
    expect(visits_queue_row(page, number, tab="全部")).to_have_count(0)
