"""End-to-end journey of 会商 (consultation before dispatch), in the browser.

Junk piled in a stairwell blocks the fire escape: is it 城管's or the street's? The dispatcher asks both
(发起会商); 城管 answers it is not its duty and names the street, the street answers it can lead; plain
派单 is held meanwhile; the dispatcher decides (会商定责) and the street receives the order as a designation
(待签收). 城管 can still read the order, with no step left to take.

Only the generic step forms, the held step's words, the timeline and the statuses are asserted on.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login
from tests.e2e.test_journeys import expect_status, nav, open_order, step, submit
from tests.e2e.world import World, make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=10_000)

STREET, CITY = "A2区桂花坪街道", "市城市管理综合执法局"
QUESTION = "楼道堆放杂物占用消防通道，属属地街道督促整治还是城管执法查处，职责不清，请两单位提出意见。"
NOT_OURS_BASIS = "本局权责清单限于城市道路、公共场所的市容秩序；居民楼内楼道堆物不在本局执法范围。"
LEAD_BASIS = "依据《街道履职事项清单》，辖区居民小区消防安全隐患排查整治属街道属地职责，可牵头督促物业清理。"
CONCLUSION = "楼道堆物属居民小区消防安全隐患，依据街道履职事项清单由桂花坪街道主办，不得退单。"
HELD = "该工单正在会商，请以「会商定责」派单"


def timeline(page: Page, action: str):  # noqa: ANN201
    """The timeline rows of one action (by its label)."""
    rows = page.locator("section[aria-labelledby=h-timeline] tbody tr")
    return rows.filter(has=page.locator("td", has_text=action))


def test_consultation_from_question_to_designated_lead(page: Page, world: World) -> None:
    """发起会商 → two opinions → 派单 held → 会商定责 → the street's 待签收; 城管 reads the order, no step left."""
    order = make_order(world, "桂花坪街道新开铺社区 3 栋楼道里堆满旧家具和纸箱，把消防通道堵死了，物业不管，"
                              "万一着火人都跑不出去，请尽快处理。", title="楼道堆物堵塞消防通道",
                       category=world.category("物业服务"), district=world.unit("D-A2"),
                       street=world.unit("S-A2-01"), address="新开铺路 21 号 3 栋")
    number = order.number

    # The dispatcher cannot tell whose duty it is: starts 会商 with the street and 城管.
    login(page, "dispatcher")
    nav(page, "派单队列")
    open_order(page, number)
    expect_status(page, "待派单")
    consult = page.locator("details[data-action='consult']")
    consult.locator("summary").click()
    units = consult.locator("select[name='consult-units']")
    expect(units).to_have_attribute("multiple", "")
    box = consult.locator("input.unit-filter")
    box.fill("桂花坪")  # the filter box narrows the grouped list
    expect(units.locator("option", has_text=STREET)).not_to_be_hidden()
    expect(units.locator("option", has_text=CITY)).to_be_hidden()
    box.fill("")
    units.select_option(label=[STREET, CITY])
    consult.locator("[name='consult-question']").fill(QUESTION)
    submit(page, consult.locator("button[type=submit]"))
    expect(page.locator("ul.messages li.success")).to_have_text("发起会商：已完成")
    expect_status(page, "待派单")
    started = timeline(page, "发起会商")
    expect(started).to_have_count(1)
    expect(started).to_contain_text(STREET)
    expect(started).to_contain_text(CITY)

    # 城管 finds the order among its orders and answers: not its duty, the street should lead.
    login(page, "chengguan")
    nav(page, "工单")
    open_order(page, number)
    step(page, "give_opinion", select={"stance": {"label": "不属本单位职责"}, "suggested_unit": {"label": STREET}},
         fill={"basis": NOT_OURS_BASIS})
    expect_status(page, "待派单")

    # The street answers it can lead.
    login(page, "a2street1")
    nav(page, "工单")
    open_order(page, number)
    step(page, "give_opinion", select={"stance": {"label": "属本单位职责，可主办"}}, fill={"basis": LEAD_BASIS})

    # Back at the desk: plain 派单 is held while the consultation is open; the dispatcher concludes.
    login(page, "dispatcher")
    page.goto(f"/orders/{number}/")
    held = page.locator("[data-held='dispatch']")
    expect(held.get_by_role("button", name="派单", exact=True)).to_be_disabled()
    expect(held).to_contain_text(HELD)
    expect(page.locator("details[data-action='dispatch']")).to_have_count(0)
    expect(page.locator("details[data-action='consult']")).to_have_count(0)  # one consultation at a time
    opinions = timeline(page, "会商意见")
    expect(opinions).to_have_count(2)
    expect(opinions.filter(has_text=CITY)).to_contain_text("不属本单位职责")
    expect(opinions.filter(has_text=CITY)).to_contain_text(NOT_OURS_BASIS)
    expect(opinions.filter(has_text=CITY)).to_contain_text(f"建议由{STREET}承办")
    expect(opinions.filter(has_text=LEAD_BASIS)).to_contain_text("属本单位职责，可主办")
    step(page, "conclude_consultation", select={"lead": {"label": STREET}}, fill={"note": CONCLUSION})

    expect_status(page, "待签收")
    concluded = timeline(page, "会商定责")
    expect(concluded).to_have_count(1)
    expect(concluded).to_contain_text(f"主办：{STREET}")
    expect(concluded).to_contain_text("待派单 → 待签收")
    lead = page.locator("section[aria-labelledby=h-assignments] tbody tr", has_text=STREET)
    expect(lead).to_contain_text("主办")
    expect(lead).to_contain_text("待签收")
    expect(lead).to_contain_text("指定")
    expect(page.locator("[data-held='dispatch']")).to_have_count(0)

    # 城管 can still read the order, but has no step to take on it.
    login(page, "chengguan")
    page.goto(f"/orders/{number}/")
    expect_status(page, "待签收")
    steps = page.locator("section[aria-labelledby=h-steps]")
    expect(steps).to_contain_text("您当前没有可对该工单执行的操作。")
    expect(steps.locator("details[data-action], [data-held]")).to_have_count(0)

    # The street signs it: it was designated, so it has no 退单 step.
    login(page, "a2street1")
    page.goto(f"/orders/{number}/")
    expect(page.locator("details[data-action='return']")).to_have_count(0)
    step(page, "sign")
    expect_status(page, "办理中")
