"""End-to-end journeys through the browser: a person logs in, clicks, fills forms and submits.

1. A citizen writes on the portal; the order goes through intake, dispatch, the unit, review and the
   return visit, and the portal's tracking page shows it closed (已办结) with the public reply.
2. A unit returns an order with a reason; the dispatcher accepts the return and re-dispatches it; the
   new unit signs.
3. A complaint containing `<script>` and HTML is shown as text on every page that shows it.
4. Unit staff cannot open another unit's order by its URL (404).

Setup data goes through the services (`tests/e2e/world.py`); every step a journey is about is taken in
the browser. The journeys also save the screenshots of docs/screenshots/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import login, shot
from tests.e2e.world import World, backlog, make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=10_000)

XSS_DESCRIPTION = "<script>window.__xss=1</script><b>粗体</b> 楼上每天夜里十二点以后还在装修，电钻声音很大。"
XSS_TITLE = '<img src=x onerror="window.__xss=2">楼上夜间装修噪音'


# --- helpers -----------------------------------------------------------------------------------------


def submit(page: Page, button: Locator, *, ok: bool = True) -> Any:  # noqa: ANN401
    """Click a submit button and wait for the page it leads to; unless `ok=False`, that page must be a 2xx."""
    with page.expect_navigation(wait_until="domcontentloaded") as navigation:
        button.click()
    response = navigation.value
    if ok and (response is None or not response.ok):
        errors = page.locator(".error-summary, .errorlist, ul.messages, .error, .ferr").all_inner_texts()
        status = response.status if response else "?"
        raise AssertionError(f"{page.url} answered {status}: {errors}")
    return response


def nav(page: Page, label: str) -> None:
    """Follow a link of the top navigation."""
    link = page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True)
    with page.expect_navigation(wait_until="domcontentloaded"):
        link.click()


def open_order(page: Page, number: str) -> None:
    """Click the order's number in the list or queue on screen."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("link", name=number, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/orders/{number}/$"))


def step(page: Page, action: str, *, fill: dict[str, str] | None = None,
         select: dict[str, str | dict[str, str]] | None = None) -> None:
    """Open a step of the order page, fill its form and confirm it; the page must report it done."""
    details = page.locator(f"details[data-action='{action}']")
    expect(details).to_have_count(1)
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    for field, value in (fill or {}).items():
        details.locator(f"[name='{action}-{field}']").fill(value)
    for field, value in (select or {}).items():
        target = details.locator(f"select[name='{action}-{field}']")
        if isinstance(value, dict):
            target.select_option(**value)
        else:
            target.select_option(value)
    label = details.locator("summary").inner_text().strip()
    submit(page, details.locator("button[type=submit]"))
    expect(page.locator("ul.messages li.success")).to_have_text(f"{label}：已完成")


def expect_status(page: Page, label: str) -> None:
    """The status badge in the order page's header."""
    expect(page.locator(".page-head .status")).to_have_text(label)


def track(page: Page, number: str, code: str) -> None:
    """Track an order on the portal with its number and query code."""
    page.goto("/portal/track/")
    page.get_by_label("工单编号").fill(number)
    page.get_by_label("查询码").fill(code)
    submit(page, page.locator("main form button[type=submit]"))
    expect(page.locator("h1")).to_contain_text(number)


def query_code(page: Page) -> str:
    """The query code shown to centre staff on the order page."""
    return page.locator("dt:text-is('查询码') + dd").inner_text().strip()


def xss_ran(page: Page) -> Any:  # noqa: ANN401
    """What the injected scripts would have set (None: nothing ran)."""
    return page.evaluate("() => window.__xss")


# --- journeys ----------------------------------------------------------------------------------------


def test_full_journey_from_portal_to_closed(page: Page, phone_page: Page, world: World) -> None:
    """Portal → agent sends to dispatch → dispatch → sign and reply → approve → satisfied visit → 已办结."""
    backlog(world)

    # A citizen writes on the portal (no login).
    page.goto("/portal/submit/")
    expect(page.get_by_role("heading", name="我要反映")).to_be_visible()
    shot(page, "portal-submit")
    page.locator("input[name=request_type][value=complaint]").check()
    page.get_by_label("标题").fill("德馨园小区地下车库长期积水")
    page.get_by_label("诉求内容").fill("德馨园小区地下车库排水沟堵塞，下雨后积水没过脚踝，车辆和行人都无法通行，"
                                   "物业多次推诿，请相关部门督促处理。")
    page.get_by_label("事发地址").fill("A2区桂花坪街道德馨园小区地下车库")
    page.get_by_label("所在区").select_option(label="A2区人民政府")
    page.get_by_label("您的称呼").fill("陈女士")
    page.get_by_label("联系电话").fill("13907311234")
    submit(page, page.locator("main form button[type=submit]"))
    number = page.locator("#receipt-number").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"\d{8,}", number) and re.fullmatch(r"\d{6}", code), (number, code)

    # The intake agent finds it in the order list and sends it to dispatch.
    login(page, "agent1")
    nav(page, "工单")
    open_order(page, number)
    expect_status(page, "已登记")
    step(page, "send_to_dispatch", fill={"note": "网上诉求，内容清楚，转派单"})
    expect_status(page, "待派单")

    # The dispatcher dispatches it to the housing department from the dispatch queue.
    login(page, "dispatcher")
    nav(page, "派单队列")
    expect(page.get_by_role("link", name=number, exact=True)).to_be_visible()
    shot(page, "dispatch-queue")
    open_order(page, number)
    step(page, "dispatch", select={"lead": {"label": "市住房和城乡建设局"}},
         fill={"note": "小区物业管理问题，请住建局督促物业处理"})
    expect_status(page, "待签收")

    # The unit signs it from its inbox and replies.
    login(page, "zhujian")
    nav(page, "待办")
    expect(page.get_by_role("link", name=number, exact=True)).to_be_visible()
    shot(page, "unit-inbox")
    open_order(page, number)
    step(page, "sign")
    expect_status(page, "办理中")
    # To contact the citizen (联系群众) the unit reveals the number: masked on the page, full once, on purpose.
    caller = page.locator("section[aria-labelledby=h-caller]")
    expect(caller).to_contain_text("139****1234")
    expect(caller).not_to_contain_text("13907311234")
    submit(page, caller.get_by_role("button", name="查看完整号码"))
    expect(caller).to_contain_text("13907311234")
    expect(caller).to_contain_text("完整号码仅本次显示，已记录")
    public_reply = "经核查，车库排水沟已由物业公司清淤疏通，积水已排除；已责令物业建立雨季巡查制度。"
    step(page, "reply", fill={"content": "已到现场核查，责令物业公司清淤排水沟并加装排水泵，已联系陈女士告知处理结果。",
                              "public_reply": public_reply},
         select={"contacted": "1", "resolved": "1", "is_truthful": {"label": "是"}})
    expect_status(page, "答复待审")

    # The centre's inspector approves the reply, then calls the citizen back.
    login(page, "inspector")
    nav(page, "答复审核")
    open_order(page, number)
    step(page, "approve_reply", fill={"note": "答复规范，同意"})
    expect_status(page, "待回访")
    nav(page, "回访")
    open_order(page, number)
    step(page, "return_visit", select={"method": "phone", "contacted": "1", "resolved": "1",
                                       "satisfaction": "satisfied"},
         fill={"note": "群众表示积水已清理，满意"})
    expect_status(page, "已办结")
    expect(page.locator("section[aria-labelledby=h-replies]")).to_contain_text(public_reply)
    shot(page, "order-detail")

    # The supervisor's board shows the backlog's late orders.
    login(page, "supervisor")
    nav(page, "督办看板")
    expect(page.get_by_role("heading", name="督办看板")).to_be_visible()
    shot(page, "supervision-board")

    # Back on the portal, the citizen's tracking page shows the order closed with the public reply.
    page.context.clear_cookies()
    track(page, number, code)
    expect(page.locator(".public-status")).to_have_text("已办结")
    expect(page.locator("section.reply")).to_contain_text(public_reply)
    shot(page, "portal-track")

    # The same pages at phone width.
    phone_page.goto("/portal/submit/")
    expect(phone_page.get_by_role("heading", name="我要反映")).to_be_visible()
    shot(phone_page, "portal-submit-phone")
    track(phone_page, number, code)
    expect(phone_page.locator(".public-status")).to_have_text("已办结")
    shot(phone_page, "portal-track-phone")
    login(phone_page, "zhujian")
    phone_page.goto(f"/orders/{number}/")
    expect_status(phone_page, "已办结")
    shot(phone_page, "order-detail-phone")


def test_return_accepted_and_redispatched(page: Page, world: World) -> None:
    """Agent registers a call → dispatcher sends it to 城管 → 城管 returns it → re-dispatched → the street signs."""
    earlier = backlog(world)[1]  # this caller complained about a barbecue stall three weeks ago

    login(page, "agent1")
    nav(page, "受理登记")
    page.get_by_label("来电号码").fill(earlier.caller_phone)
    expect(page.locator("#caller-history")).to_contain_text(earlier.title)  # the caller pop-up (htmx)
    page.get_by_label("来电人", exact=True).fill("张先生")  # not the 来电人标签 block
    page.locator("input[name=request_type][value=complaint]").check()
    page.locator("#category-search").fill("噪音")
    page.locator("#category-results button.pick").first.click()
    expect(page.locator("#category-picked")).to_contain_text("噪音污染")
    page.get_by_label("诉求内容").fill("桂花坪街道新开铺社区一楼餐馆的排风机每天夜里运转到凌晨，噪音很大，影响周边居民休息。")
    page.locator("#id_district").select_option(label="A2区人民政府")
    page.locator("#id_street").select_option(label="A2区桂花坪街道")  # loaded by htmx once a district is chosen
    page.locator("#id_community").select_option(label="新开铺社区")
    page.get_by_label("事发地址").fill("新开铺路 88 号")
    shot(page, "agent-form")
    submit(page, page.get_by_role("button", name="登记并转派单"))
    number = re.search(r"/orders/(\w+)/$", page.url).group(1)
    expect_status(page, "待派单")
    expect(page.locator("ul.messages li.success")).to_contain_text(number)

    login(page, "dispatcher")
    nav(page, "派单队列")
    open_order(page, number)
    step(page, "dispatch", select={"lead": {"label": "市城市管理综合执法局"}})
    expect_status(page, "待签收")

    # 城管 returns it: the noise comes from a shop in a residential building, a matter for the street.
    reason = "餐馆排风机噪音属社会生活噪声，应由属地街道协调处理，建议改派桂花坪街道。"
    login(page, "chengguan")
    nav(page, "待办")
    open_order(page, number)
    step(page, "return", select={"reason_code": "not_our_duty", "suggested_unit": {"label": "A2区桂花坪街道"}},
         fill={"reason": reason})
    expect_status(page, "退单待审")

    # The dispatcher reads the reason in the returns tab, accepts the return and re-dispatches at once.
    login(page, "dispatcher")
    nav(page, "派单队列")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("link", name=re.compile("退单待审")).click()
    row = page.locator("table.orders tbody tr", has=page.get_by_role("link", name=number, exact=True))
    expect(row).to_contain_text(reason)
    expect(row).to_contain_text("不属于本单位职责")
    open_order(page, number)
    step(page, "accept_return", select={"lead": {"label": "A2区桂花坪街道"}}, fill={"note": "同意退单，改派属地街道"})
    expect_status(page, "待签收")
    assignments = page.locator("section[aria-labelledby=h-assignments] tbody tr")
    expect(assignments.filter(has_text="A2区桂花坪街道")).to_contain_text("待签收")
    expect(assignments.filter(has_text="市城市管理综合执法局")).to_contain_text("已撤回")

    # The street signs it from its inbox.
    login(page, "a2street1")
    nav(page, "待办")
    open_order(page, number)
    step(page, "sign")
    expect_status(page, "办理中")
    expect(assignments.filter(has_text="A2区桂花坪街道")).to_contain_text("办理中")


def test_html_in_a_complaint_is_shown_as_text(page: Page, world: World) -> None:
    """`<script>` and HTML typed into a complaint never run or render, on any page that shows it."""
    login(page, "agent1")
    page.goto("/work/intake/")
    page.get_by_label("来电号码").fill("13974100002")
    page.locator("input[name=request_type][value=complaint]").check()
    page.get_by_label("标题").fill(XSS_TITLE)
    page.get_by_label("诉求内容").fill(XSS_DESCRIPTION)
    submit(page, page.get_by_role("button", name="登记并转派单"))
    number = re.search(r"/orders/(\w+)/$", page.url).group(1)
    code = query_code(page)

    def shown_as_text(where: Page, *texts: str) -> None:
        for text in texts:
            expect(where.get_by_text(text, exact=False).first).to_be_visible()
        assert xss_ran(where) is None, f"a script ran on {where.url}"
        expect(where.locator("main b", has_text="粗体")).to_have_count(0)
        expect(where.locator("main img[src=x]")).to_have_count(0)

    # The order page (agent), the order list, the dispatch queue, the unit's inbox and order page.
    expect_status(page, "待派单")
    shown_as_text(page, XSS_TITLE, "<script>window.__xss=1</script><b>粗体</b>")
    nav(page, "工单")
    shown_as_text(page, XSS_TITLE)
    login(page, "dispatcher")
    nav(page, "派单队列")
    shown_as_text(page, XSS_TITLE)
    open_order(page, number)
    step(page, "dispatch", select={"lead": {"label": "市住房和城乡建设局"}})
    login(page, "zhujian")
    nav(page, "待办")
    shown_as_text(page, XSS_TITLE)
    open_order(page, number)
    shown_as_text(page, XSS_TITLE, "<script>window.__xss=1</script><b>粗体</b>")

    # The citizen's tracking page.
    page.context.clear_cookies()
    track(page, number, code)
    shown_as_text(page, XSS_TITLE, "<script>window.__xss=1</script><b>粗体</b>")


def test_unit_staff_cannot_open_another_units_order(page: Page, world: World) -> None:
    """An order of 住建局 is a 404 for 人社局's handler, by its URL, and is missing from their lists."""
    order = make_order(world, "小区电梯经常困人，物业维修后仍频繁故障，请住建部门督促物业整改。",
                       title="小区电梯频繁故障", lead="DEPT-ZJ")
    other = make_order(world, "工地拖欠三个月工资，老板联系不上，请求帮助讨薪。", title="工地拖欠工资", lead="DEPT-RS")

    login(page, "renshe")
    response = page.goto(f"/orders/{order.number}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    expect(page.get_by_text("小区电梯频繁故障")).to_have_count(0)
    nav_target = page.goto("/orders/")
    assert nav_target is not None and nav_target.ok
    expect(page.get_by_role("link", name=other.number, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=order.number, exact=True)).to_have_count(0)
    page.goto("/work/inbox/")
    expect(page.get_by_role("link", name=other.number, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=order.number, exact=True)).to_have_count(0)

    # The unit the order was sent to opens it.
    login(page, "zhujian")
    response = page.goto(f"/orders/{order.number}/")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_contain_text("小区电梯频繁故障")


def test_a_street_picked_before_its_district_stays_picked(page: Page, world: World) -> None:
    """The street list starts with every street: picking the street first, then its district, keeps the street
    and the community list that came with it (the district's list used to reset both)."""
    login(page, "agent1")
    nav(page, "受理登记")
    page.locator("#id_street").select_option(label="A2区桂花坪街道")
    page.locator("#id_community").select_option(label="新开铺社区")  # loaded for the street
    with page.expect_response(lambda r: "/areas/" in r.url):
        page.locator("#id_district").select_option(label="A2区人民政府")
    expect(page.locator("#id_street option:checked")).to_have_text("A2区桂花坪街道")
    expect(page.locator("#id_community option:checked")).to_have_text("新开铺社区")
