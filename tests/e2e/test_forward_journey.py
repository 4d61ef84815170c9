"""End-to-end 下派 (two-level dispatch) in the browser: the centre sends an order to the A2 district, whose
desk knows which street should act.

1. The district hands the order down to 桂花坪街道 with its instructions (the form lists only the district's
   streets, no community); the district follows it in its 已下派 tab; the street finds it in 待签收, reads
   「由A2区人民政府下派」 and returns it (退单): the order goes straight back to the district (办理中), not to
   the centre's desk.
2. The district hands the order to the wrong street and takes it back (收回下派) before it is signed; it hands
   it to the right street, which signs: the district can no longer take it back.

Only the step forms and their options, the messages, the statuses, the 承办单位 table, the inbox tabs and
the timeline are asserted on.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import login
from tests.e2e.test_consultation_journey import timeline
from tests.e2e.test_journeys import expect_status, nav, open_order, step, submit
from tests.e2e.world import World, make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=10_000)

DISTRICT, STREET, OTHER_STREET, WRONG_STREET = "A2区人民政府", "A2区桂花坪街道", "A2区大托街道", "A2区暮云街道"
INSTRUCTIONS = "请桂花坪街道组织城管中队和社区现场核实占道情况，督促经营户退店经营，3 个工作日内反馈。"
RETURN_REASON = "经现场核实，该路段属大托街道辖区，不属本街道管辖，请区里改派大托街道。"
RECALL_NOTE = "选错街道：事发地新开铺路属桂花坪街道，收回后改派。"


def make_district_order(world: World) -> str:
    """An order the centre has dispatched to the A2 district (待签收 there); its number."""
    order = make_order(world, "新开铺路农贸市场门口人行道被水果摊长期占用，早晚高峰行人只能走机动车道，很危险。",
                       title="农贸市场门口占道经营", category=world.category("城管执法"),
                       district=world.unit("D-A2"), address="新开铺路 66 号", lead="D-A2")
    return order.number


def assignment(page: Page, unit: str) -> Locator:
    """The row of a unit in the order page's 承办单位 table (a unit below reads 「由…下派」 under its name)."""
    rows = page.locator("section[aria-labelledby=h-assignments] tbody tr")
    return rows.filter(has=page.locator("td:first-child", has_text=re.compile(f"^{unit}")))


def inbox_tab(page: Page, label: str) -> None:
    """Open a tab of the unit's 待办 (its label is followed by a count)."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("nav.tabs").get_by_role("link", name=re.compile(rf"^{label}")).click()


def order_row(page: Page, number: str) -> Locator:
    """The row of an order in the list on screen."""
    return page.locator("table.orders tbody tr", has=page.get_by_role("link", name=number, exact=True))


def hand_down(page: Page, street: str, note: str) -> None:
    """The 下派 step: choose the street, write the instructions, confirm; the page reports it done."""
    step(page, "forward", select={"to": {"label": street}}, fill={"note": note})


def test_the_district_hands_an_order_down_and_the_street_returns_it(page: Page, world: World) -> None:
    """下派 to a street (only the district's streets offered) → 已下派 tab → the street's 待签收 → 退单 → back
    with the district, 办理中."""
    number = make_district_order(world)

    # The district's desk finds the order in its 待办 and hands it down to the street.
    login(page, "a2")
    nav(page, "待办")
    open_order(page, number)
    expect_status(page, "待签收")
    forward = page.locator("details[data-action='forward']")
    forward.locator("summary").click()
    to = forward.locator("select[name='forward-to']")
    for street in (STREET, OTHER_STREET, WRONG_STREET):
        expect(to.locator("option", has_text=street)).to_have_count(1)
    for elsewhere in (DISTRICT, "新开铺社区", "市城市管理综合执法局", "A市12345热线中心"):  # not itself, no community
        expect(to.locator("option", has_text=elsewhere)).to_have_count(0)
    expect(to.locator("option")).to_have_count(4)  # —请选择— and the three streets
    to.select_option(label=STREET)
    forward.locator("[name='forward-note']").fill(INSTRUCTIONS)
    submit(page, forward.locator("button[type=submit]"))

    expect(page.locator("ul.messages li.success")).to_have_text("下派：已完成")
    expect_status(page, "待签收")  # 已派单 again, now waiting for the street's signature
    below = assignment(page, STREET)
    expect(below).to_have_count(1)
    expect(below).to_contain_text(f"由{DISTRICT}下派")
    expect(below).to_contain_text("待签收")
    expect(assignment(page, DISTRICT)).to_contain_text("已下派")
    handed = timeline(page, "下派").filter(has=page.locator("td", has_text=re.compile("^下派$")))
    expect(handed).to_have_count(1)
    expect(handed).to_contain_text(f"下派至{STREET}：{INSTRUCTIONS}")
    expect(page.locator("details[data-action='recall']")).to_have_count(1)  # not signed below: may take it back

    # The district follows it in its 已下派 tab, with the street that holds it now.
    nav(page, "待办")
    inbox_tab(page, "已下派")
    row = order_row(page, number)
    expect(row).to_contain_text(STREET)
    expect(row).to_contain_text("下派于")

    # The street finds it waiting for its signature, reads who handed it down, and returns it.
    login(page, "a2street1")
    nav(page, "待办")
    expect(order_row(page, number)).to_be_visible()  # the 待签收 tab is the first
    open_order(page, number)
    expect(assignment(page, STREET)).to_contain_text(f"由{DISTRICT}下派")
    expect(page.locator("details[data-action='forward']")).to_have_count(0)  # only a community below it
    step(page, "return", select={"reason_code": {"label": "不属于本辖区"}}, fill={"reason": RETURN_REASON})

    # Straight back to the district, which holds it again (办理中); the centre's desk is not involved.
    expect_status(page, "办理中")
    returned = timeline(page, "退单")
    expect(returned).to_have_count(1)
    expect(returned).to_contain_text(RETURN_REASON)
    expect(returned).to_contain_text(f"退回下派单位{DISTRICT}")
    expect(returned).to_contain_text("待签收 → 办理中")
    expect(assignment(page, STREET)).to_contain_text("已退单")

    login(page, "a2")
    nav(page, "待办")
    inbox_tab(page, "办理中")
    expect(order_row(page, number)).to_be_visible()
    open_order(page, number)
    expect_status(page, "办理中")
    expect(assignment(page, DISTRICT)).to_contain_text("办理中")
    expect(page.locator("dt:text-is('退单/重办/延期/重启') + dd")).to_have_text("0 / 0 / 0 / 0")  # not the centre's
    expect(page.locator("details[data-action='forward']")).to_have_count(1)  # it may hand it to another street


def test_the_district_takes_back_an_order_from_the_wrong_street(page: Page, world: World) -> None:
    """下派 to the wrong street → 收回下派 before it signs (办理中) → 下派 to the right street → signed: no more 收回."""
    number = make_district_order(world)

    login(page, "a2")
    page.goto(f"/orders/{number}/")
    hand_down(page, WRONG_STREET, INSTRUCTIONS)
    expect_status(page, "待签收")

    # A wrong street chosen: the district takes the order back before the street signs it.
    step(page, "recall", fill={"note": RECALL_NOTE})
    expect_status(page, "办理中")
    expect(assignment(page, WRONG_STREET)).to_contain_text("已撤回")
    expect(assignment(page, DISTRICT)).to_contain_text("办理中")
    recalled = timeline(page, "收回下派")
    expect(recalled).to_have_count(1)
    expect(recalled).to_contain_text(f"收回下派（{WRONG_STREET}）：{RECALL_NOTE}")
    expect(recalled).to_contain_text("待签收 → 办理中")
    expect(page.locator("details[data-action='recall']")).to_have_count(0)

    # Handed to the right street, which signs it from its 待签收.
    hand_down(page, STREET, INSTRUCTIONS)
    expect_status(page, "待签收")
    login(page, "a2street1")
    nav(page, "待办")
    open_order(page, number)
    step(page, "sign")
    expect_status(page, "办理中")

    # Signed below: the district can no longer take it back (only the street's 退单 would return it).
    login(page, "a2")
    page.goto(f"/orders/{number}/")
    expect_status(page, "办理中")
    expect(page.locator("details[data-action='recall']")).to_have_count(0)
    expect(page.locator("details[data-action='forward']")).to_have_count(0)
    expect(assignment(page, STREET)).to_contain_text("办理中")
    expect(assignment(page, DISTRICT)).to_contain_text("已下派")
